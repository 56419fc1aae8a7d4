"use client";

import type { Trace } from "@/lib/protocol";
import type { SegmentSpan } from "./selection";
import { useCan } from "@/components/ui/session";

// Labels from the issue; users can type their own in the label box.
export const DEFAULT_LABELS = ["unreasonable", "repetitive", "wrong calculation", "good tool use"];

const excerpt = (text: string, n = 90) => (text.length > n ? `${text.slice(0, n)}…` : text);

export function AnnotationPanel(p: {
  trace: Trace;
  span: SegmentSpan | null;
  selectable: boolean;
  /** The label set to offer (a queue's); default DEFAULT_LABELS plus the trace's own. */
  labels?: readonly string[];
  /** No fork or sweep buttons (a queue's item: those act on the trace, not on the annotator's work). */
  noFork?: boolean;
  label: string;
  setLabel: (l: string) => void;
  comment: string;
  setComment: (c: string) => void;
  busy: boolean;
  onMark: () => void;
  onEdit: () => void;
  onFork: () => void;
  onForkAtPosition: () => void;
  /** Start a sweep at the selection or at the player's position (opens the sweep dialog). */
  onSweep?: (where: "selection" | "position") => void;
  onRemoveAnnotation: (id: string) => void;
  onRemoveEdit: (id: string) => void;
  /** "Continue from here": a fork from the corrected text up to the edit's end, generated live in the playground. */
  onContinueFromEdit: (id: string) => void;
  undo?: () => void;
  redo?: () => void;
  /** An edit replacement kept when its dialog was closed (never dropped without Discard). */
  keptDraft?: { segment: number; start: number; end: number };
  onResumeEdit: () => void;
  onDiscardEdit: () => void;
}) {
  const { trace, span } = p;
  const seg = span ? trace.segments[span.segment] : undefined;
  // Forking runs the model from that point: researchers and admins only.
  const canFork = useCan("run") && !p.noFork;
  const spanText = span && seg ? seg.text.slice(span.start, span.end) : "";
  return (
    <section className="panel annotate" data-testid="annotation-panel">
      <h3>Annotate</h3>
      {!p.selectable && <p className="muted small">Untick “show edits” to select text (offsets refer to the original segments).</p>}
      {span && seg ? (
        <div className="selection" data-testid="selection">
          <span className="small muted">
            segment {span.segment} ({seg.kind}) · {span.start}–{span.end}
          </span>
          <blockquote>{excerpt(spanText, 200)}</blockquote>
        </div>
      ) : (
        <p className="muted small">Select model text in the trace (or press j / k for the next / previous sentence, J / K to stretch) to mark, edit or fork at it.</p>
      )}
      <div className="row">
        <input list="annotation-labels" data-testid="annotation-label" value={p.label} onChange={(e) => p.setLabel(e.target.value)} style={{ width: 160 }} />
        <datalist id="annotation-labels">
          {[...new Set([...(p.labels ?? DEFAULT_LABELS), ...(trace.annotations ?? []).map((a) => a.label)])].map((l) => (
            <option key={l} value={l} />
          ))}
        </datalist>
      </div>
      <textarea rows={2} placeholder="comment" data-testid="annotation-comment" value={p.comment} onChange={(e) => p.setComment(e.target.value)} />
      {p.keptDraft && (
        <div className="edit-draft small" data-testid="edit-draft">
          <span>
            Unsaved edit of segment {p.keptDraft.segment} · {p.keptDraft.start}–{p.keptDraft.end}
          </span>
          <button className="small" data-testid="resume-edit" onClick={p.onResumeEdit}>
            Resume
          </button>
          <button className="small" data-testid="discard-draft" onClick={p.onDiscardEdit}>
            Discard
          </button>
        </div>
      )}
      <div className="row">
        <button data-testid="annotate-button" className="primary" disabled={!span || !p.label.trim() || p.busy || seg?.kind !== "model"} onClick={p.onMark} title="m">
          Mark span
        </button>
        <button data-testid="edit-span-button" disabled={!span || p.busy || seg?.kind !== "model"} onClick={p.onEdit} title="e">
          Edit span…
        </button>
        {canFork && (
          <>
            <button data-testid="fork-selection" disabled={!span || seg?.kind !== "model"} onClick={p.onFork} title="new trace from the text before the selection">
              Fork here
            </button>
            <button data-testid="fork-position" onClick={p.onForkAtPosition} title="new trace from the segments the player shows">
              Fork at player
            </button>
            {p.onSweep && (
              <>
                <button data-testid="sweep-selection" disabled={!span || seg?.kind !== "model"} onClick={() => p.onSweep!("selection")} title="K samples per hint from the text before the selection">
                  Sweep here…
                </button>
                <button data-testid="sweep-position" onClick={() => p.onSweep!("position")} title="K samples per hint from the segments the player shows">
                  Sweep at player…
                </button>
              </>
            )}
          </>
        )}
      </div>
      <h4>Annotations ({trace.annotations?.length ?? 0})</h4>
      <ul className="ann-list" data-testid="annotations">
        {(trace.annotations ?? []).map((a) => (
          <li key={a.id} data-testid="annotation">
            <strong>{a.label}</strong> <span className="muted small">{a.author}</span>
            <blockquote>{excerpt(trace.segments[a.segment]?.text.slice(a.start, a.end) ?? "")}</blockquote>
            {a.comment && <p className="small">{a.comment}</p>}
            <button className="small" onClick={() => p.onRemoveAnnotation(a.id)}>
              remove
            </button>
          </li>
        ))}
      </ul>
      <h4>
        Edits ({trace.edits?.length ?? 0}){" "}
        <button className="small" disabled={!p.undo} onClick={p.undo} data-testid="undo-edit" title="ctrl+z">
          undo
        </button>
        <button className="small" disabled={!p.redo} onClick={p.redo} data-testid="redo-edit" title="ctrl+shift+z">
          redo
        </button>
      </h4>
      <ul className="ann-list" data-testid="edits">
        {(trace.edits ?? []).map((e) => (
          <li key={e.id} data-testid="edit">
            <span className="muted small">
              {e.author} · segment {e.segment} · {e.start}–{e.end}
            </span>
            <del>{excerpt(e.original)}</del>
            <ins>{excerpt(e.replacement)}</ins>
            <button className="small" onClick={() => p.onRemoveEdit(e.id)}>
              remove
            </button>
            {canFork && (
              <button
                className="small"
                data-testid="continue-from-edit"
                onClick={() => p.onContinueFromEdit(e.id)}
                title="a new fork: the text up to the end of this edit, with the correction; the model writes the rest, live in the playground"
              >
                Continue from here
              </button>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
