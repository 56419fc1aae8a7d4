"use client";

import { useEffect, useMemo, useRef, useState } from "react";
import { useStore } from "zustand";
import { useRouter } from "next/navigation";
import { createTraceDetailStore, selectEditedSegments, type TraceDetailStore } from "@/lib/store/trace-detail";
import type { ReviewStatus, Trace } from "@/lib/protocol";
import { TraceView } from "@/components/trace/trace-view";
import { EventList } from "@/components/trace/event-list";
import { TraceMinimap } from "@/components/trace/minimap";
import { ForkTree } from "@/components/trace/fork-tree";
import { useStoredLogprobs } from "@/components/trace/use-stored-logprobs";
import type { BranchRequest } from "@/components/trace/token-tooltip";
import { useCan } from "@/components/ui/session";
import { eventsShown, nextTarget, stepTargets, type StepKind } from "@/components/trace/player";
import { useReplay } from "@/components/trace/use-replay";
import { ReplayControls } from "@/components/trace/replay-controls";
import { currentSegmentSpan, type SegmentSpan } from "./selection";
import { AnnotationPanel, DEFAULT_LABELS } from "./annotation-panel";
import { EditDialog } from "./edit-dialog";
import { ReviewBar } from "./review-bar";
import { ConflictCard } from "./conflict-card";
import { TagEditor } from "./tag-editor";
import { ActivityPanel } from "./activity-panel";
import { AnswerMath } from "@/components/markdown/answer-math";
import { MarkdownText } from "@/components/markdown/deferred";
import { StartSweepDialog, type StartSweepDialogProps } from "@/components/sweeps/start-sweep-dialog";
import type { QueueMode } from "./queue-mode";
import { moveSentence, selectSpan, sentenceSpans, stretchSentence } from "./sentence-cursor";

const LIVE = new Set(["interrupted", "stopped", "failed", "paused"]);

/**
 * One saved trace for annotators and researchers: a step-through player over the trace view,
 * the event list in sync, span annotations and edits, review, forks, who did what (activity). Keyboard: [ ] step,
 * { } pause points, ( ) tool calls, j/k select the next/previous sentence, J/K stretch it, m mark,
 * e edit, a/x/w review, n next unreviewed (in a queue: its next item; s skips), ctrl+z/ctrl+shift+z.
 * `queue`: the page works on an annotation queue's item (queue-mode.ts).
 */
export function TraceDetail({ id, queue }: { id: string; queue?: QueueMode }) {
  const [store] = useState<TraceDetailStore>(() =>
    createTraceDetailStore({ fetch: (...a) => fetch(...a), ...(queue ? { paths: queue.paths } : {}) }),
  );
  const trace = useStore(store, (s) => s.trace);
  const loadError = useStore(store, (s) => s.loadError);

  // External system: the server's copy of the trace.
  useEffect(() => {
    void store.getState().actions.load(id);
  }, [store, id]);

  if (loadError) return <div className="error-banner page-pad">Could not open trace {id}: {loadError}</div>;
  if (!trace) return <p className="muted page-pad">Loading trace…</p>;
  return <TraceDetailLoaded store={store} trace={trace} queue={queue} />;
}

function TraceDetailLoaded({ store, trace, queue }: { store: TraceDetailStore; trace: Trace; queue?: QueueMode }) {
  const router = useRouter();
  const actions = useStore(store, (s) => s.actions);
  const writeError = useStore(store, (s) => s.writeError);
  const conflict = useStore(store, (s) => s.conflict);
  const notice = useStore(store, (s) => s.notice);
  const editDraft = useStore(store, (s) => s.editDraft);
  const reviewNote = useStore(store, (s) => s.reviewNote) ?? trace.review?.note ?? "";
  const busy = useStore(store, (s) => s.busy);
  const undoCount = useStore(store, (s) => s.undo.length);
  const redoCount = useStore(store, (s) => s.redo.length);
  const [shown, setShown] = useState(trace.segments.length);
  const [showEdits, setShowEdits] = useState(true);
  const [span, setSpan] = useState<SegmentSpan | null>(null);
  const [label, setLabel] = useState(queue?.labels[0] ?? DEFAULT_LABELS[0]!);
  const [comment, setComment] = useState("");
  const [forkError, setForkError] = useState<string | null>(null);
  // The sweep dialog's opener: a point (selection / player) or none (pick a trigger), or a position sweep.
  const [sweep, setSweep] = useState<Pick<StartSweepDialogProps, "at" | "atLabel" | "type"> | null>(null);
  // Annotators read, mark, edit and review; resuming and forking run the model (researchers).
  const canRun = useCan("run");
  const viewRef = useRef<HTMLDivElement>(null);

  const total = trace.segments.length;
  const position = Math.min(shown, total);
  // Edits are applied to the derived view only when the whole trace is shown (offsets stay true).
  const segments = useMemo(() => {
    const visible = trace.segments.slice(0, position);
    return showEdits && trace.edits?.length && position === total ? selectEditedSegments(trace) : visible;
  }, [trace, position, showEdits, total]);
  const selectable = !(showEdits && (trace.edits?.length ?? 0) > 0 && position === total);
  const eventCount = eventsShown(trace.segments, trace.events, position);

  const step = (kind: StepKind, dir: 1 | -1) => setShown((p) => nextTarget(stepTargets(trace.segments, kind), Math.min(p, total), dir));

  const mark = async () => {
    if (!span) return;
    if (await actions.addAnnotation({ segment: span.segment, start: span.start, end: span.end, label, comment })) {
      setComment("");
      window.getSelection()?.removeAllRanges();
      setSpan(null);
    }
  };

  const { logprobs } = useStoredLogprobs(trace.id, trace.version);
  // Replay mode: the trace view shows the replay's frame instead of the player's position.
  const replay = useReplay(trace);

  // A branch from an alternative token or from an edit opens in the playground and goes on
  // generating (continue=1); a plain fork waits there for a hint or Continue.
  const fork = async (at: { segment: number; offset: number } | BranchRequest | { edit: string }) => {
    setForkError(null);
    const res = await fetch(`/api/traces/${encodeURIComponent(trace.id)}/fork`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(at),
    });
    const body = (await res.json()) as { id?: string; error?: { message: string } };
    if (!res.ok || !body.id) return setForkError(body.error?.message ?? `fork failed (${res.status})`);
    router.push(`/?trace=${encodeURIComponent(body.id)}${"alternative" in at || "edit" in at ? "&continue=1" : ""}`);
  };

  // The typed note goes with the status (keyboard shortcuts included); an empty note clears it.
  const review = (status: ReviewStatus) => void actions.setReview(status, reviewNote || undefined);

  const nextUnreviewed = async () => {
    if (queue) return queue.onNext();
    const res = await fetch(`/api/traces?review=unreviewed&sort=created&order=asc&limit=2`);
    const body = (await res.json()) as { items: { id: string }[] };
    const next = body.items.find((i) => i.id !== trace.id);
    if (next) router.push(`/traces/${encodeURIComponent(next.id)}`);
  };

  // External system: the keyboard (shortcuts outside text inputs and editors).
  const editing = editDraft?.open ?? false;
  // The sweep dialog is modal too: no shortcut behind it.
  const modal = editing || sweep !== null;
  // The sentence cursor (j/k, J/K): select model text from the keyboard.
  const sentences = useMemo(() => (selectable ? sentenceSpans(segments) : []), [segments, selectable]);
  const cursor = (dir: 1 | -1, stretch: boolean) => {
    const to = stretch && span ? stretchSentence(sentences, span, dir) : moveSentence(sentences, span, dir);
    if (to && selectSpan(viewRef.current, to)) setSpan({ ...to, text: segments[to.segment]?.text.slice(to.start, to.end) ?? "" });
  };
  const keys = useRef({ step, review, nextUnreviewed, mark, span, actions, editing: modal, cursor, queue });
  keys.current = { step, review, nextUnreviewed, mark, span, actions, editing: modal, cursor, queue };
  // A queue's header shows progress: it refreshes after each saved change.
  const onChanged = useRef(queue?.onChanged);
  onChanged.current = queue?.onChanged;
  useEffect(() => onChanged.current?.(), [trace.version]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t?.closest("input, textarea, select, .monaco-editor, [contenteditable]")) return;
      const k = keys.current;
      // The edit dialog is modal: no review or mark behind it.
      if (k.editing) return;
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "z") {
        e.preventDefault();
        void (e.shiftKey ? k.actions.redoEdit() : k.actions.undoEdit());
        return;
      }
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const map: Record<string, () => void> = {
        "]": () => k.step("segment", 1),
        "[": () => k.step("segment", -1),
        "}": () => k.step("pause", 1),
        "{": () => k.step("pause", -1),
        ")": () => k.step("tool", 1),
        "(": () => k.step("tool", -1),
        a: () => k.review("accepted"),
        x: () => k.review("rejected"),
        w: () => k.review("needs-work"),
        n: () => void k.nextUnreviewed(),
        m: () => void k.mark(),
        e: () => k.span && k.actions.openEdit(k.span),
        j: () => k.cursor(1, false),
        k: () => k.cursor(-1, false),
        J: () => k.cursor(1, true),
        K: () => k.cursor(-1, true),
        ...(k.queue ? { s: () => k.queue!.onSkip() } : {}),
      };
      const fn = map[e.key];
      if (fn) {
        e.preventDefault();
        fn();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  return (
    <div className="trace-detail">
      {queue?.header}
      {queue?.readOnly && (
        <div className="notice" role="status" data-testid="queue-readonly">
          {queue.readOnly}
        </div>
      )}
      <header className="panel trace-head">
        <div className="row">
          <strong>Trace</strong> <code className="small">{trace.id}</code>
          <span className={`phase phase-${trace.status}`} data-testid="trace-status">
            {trace.status}
          </span>
          {trace.verdict && (
            <span className={`verdict ${trace.verdict}`} data-testid="verdict">
              {trace.verdict}
            </span>
          )}
          {trace.answer !== undefined && <AnswerMath answer={trace.answer} max={80} />}
          <span className="muted small">
            {trace.config.model} · {trace.config.policy.type} · v{trace.version}
          </span>
          {trace.forkAt?.alternative && (
            <span className="small" data-testid="branched-from" title="this fork continues from another token the model could have written">
              branched at segment {trace.forkAt.segment} @ {trace.forkAt.offset}: {JSON.stringify(trace.forkAt.alternative.text)}
              {trace.forkAt.alternative.replaced !== undefined && <> instead of {JSON.stringify(trace.forkAt.alternative.replaced)}</>}
            </span>
          )}
          {trace.forkAt?.edit && (
            <span className="small" data-testid="continued-from-edit" title="this fork continues from a corrected text: the model wrote what follows the edit">
              continued from {trace.forkAt.edit.author}’s edit (segment {trace.forkAt.segment}, up to {trace.forkAt.offset})
            </span>
          )}
          {canRun && !queue && LIVE.has(trace.status) && (
            <a className="button primary" data-testid="resume-button" href={`/?trace=${encodeURIComponent(trace.id)}`}>
              Resume in playground
            </a>
          )}
          {canRun && !queue && (
            <>
              <button data-testid="sweep-open" onClick={() => setSweep({ type: "hints" })} title="K samples per hint at one of the trace's trigger positions">
                Sweep hints…
              </button>
              <button data-testid="position-sweep-open" onClick={() => setSweep({ type: "positions" })} title="one hint at every trigger or every k-th sentence: where does it help?">
                Position sweep…
              </button>
            </>
          )}
        </div>
        <details>
          <summary className="muted small">Problem</summary>
          <MarkdownText className="problem-text" text={trace.problem.statement} />
          {trace.problem.gold && (
            <p className="small">
              Gold: <AnswerMath answer={trace.problem.gold} />
            </p>
          )}
        </details>
      </header>
      {notice && (
        <div className="notice row" role="status" data-testid="write-notice">
          <span className="grow">{notice}</span>
          <button className="small" onClick={actions.dismissNotice}>
            Dismiss
          </button>
        </div>
      )}
      {/* Conflicts of marks, tags and removals (edits show theirs in the dialog, reviews in the review bar). */}
      {conflict && conflict.change.kind !== "review" && !editing && (
        <ConflictCard conflict={conflict} busy={busy} onKeepMine={() => void actions.keepMine()} onTakeTheirs={actions.takeTheirs} onReload={() => void actions.reloadConflict()} />
      )}
      {writeError && !editing && (
        <div className="error-banner" role="alert" data-testid="write-error">
          <span>{writeError.message}</span>
          <span className="row">
            {writeError.conflict && <button onClick={() => void actions.load(trace.id)}>Reload</button>}
            <button onClick={actions.dismissError}>Dismiss</button>
          </span>
        </div>
      )}
      {forkError && (
        <div className="error-banner" role="alert" data-testid="fork-error">
          {forkError}
        </div>
      )}
      <div className="trace-detail-body">
        <main className="col-main">
          <div className="panel player" data-testid="player">
            <span className="row">
              <button title="previous segment ([)" onClick={() => step("segment", -1)} data-testid="step-back">
                ◀ segment
              </button>
              <button title="next segment (])" onClick={() => step("segment", 1)} data-testid="step-forward">
                segment ▶
              </button>
              <button title="previous pause point ({)" onClick={() => step("pause", -1)}>
                ◀ pause
              </button>
              <button title="next pause point (})" onClick={() => step("pause", 1)} data-testid="step-pause">
                pause ▶
              </button>
              <button title="previous tool call (()" onClick={() => step("tool", -1)}>
                ◀ tool
              </button>
              <button title="next tool call ())" onClick={() => step("tool", 1)} data-testid="step-tool">
                tool ▶
              </button>
            </span>
            <input
              type="range"
              className="grow"
              min={1}
              max={total}
              value={position}
              data-testid="scrubber"
              onChange={(e) => setShown(Number(e.target.value))}
            />
            <span className="small muted" data-testid="player-position">
              {position} / {total} segments
            </span>
            <label className="inline small">
              <input type="checkbox" checked={showEdits} onChange={(e) => setShowEdits(e.target.checked)} /> show edits
            </label>
          </div>
          <ReplayControls replay={replay} />
          <div
            ref={viewRef}
            className="trace-wrap minimap-host"
            onMouseUp={() => setSpan(selectable ? currentSegmentSpan(viewRef.current, (i) => segments[i]?.text) : null)}
            onKeyUp={() => setSpan(selectable ? currentSegmentSpan(viewRef.current, (i) => segments[i]?.text) : null)}
          >
            {/* Probabilities are per stored segment: not over the edited view, whose segments differ. */}
            <TraceView
              segments={replay.active ? replay.segments : segments}
              events={trace.events}
              triggers={trace.config.triggers}
              live={replay.active}
              logprobs={selectable && !replay.active ? logprobs : undefined}
              onBranch={canRun ? (r) => void fork(r) : undefined}
              viewKey={trace.id}
              {...replay.view}
            />
            <TraceMinimap segments={replay.active ? replay.segments : segments} triggers={trace.config.triggers} host={viewRef} />
          </div>
        </main>
        <aside className="col-side">
          <ReviewBar
            trace={trace}
            note={reviewNote}
            setNote={actions.setReviewNote}
            busy={busy || !!queue?.readOnly}
            conflict={conflict?.change.kind === "review" ? conflict : undefined}
            onReview={review}
            onNext={() => void nextUnreviewed()}
            {...(queue ? { nextLabel: "next in queue (n)", onSkip: queue.onSkip } : {})}
            onKeepMine={() => void actions.keepMine()}
            onTakeTheirs={actions.takeTheirs}
            onReload={() => void actions.reloadConflict()}
          />
          {!queue && <TagEditor tags={trace.tags ?? []} busy={busy} onChange={actions.setTags} />}
          <AnnotationPanel
            trace={trace}
            span={span}
            selectable={selectable}
            {...(queue ? { labels: queue.labels, noFork: true } : {})}
            label={label}
            setLabel={setLabel}
            comment={comment}
            setComment={setComment}
            busy={busy || !!queue?.readOnly}
            onMark={() => void mark()}
            onEdit={() => span && actions.openEdit(span)}
            onFork={() => span && void fork({ segment: span.segment, offset: span.start })}
            onForkAtPosition={() => void fork(forkPointAt(trace, position))}
            onSweep={(where) => {
              const at = where === "selection" && span ? { segment: span.segment, offset: span.start } : forkPointAt(trace, position);
              setSweep({ type: "hints", at, atLabel: where === "selection" ? `before the selection (segment ${at.segment}, char ${at.offset})` : `the player's position (end of segment ${at.segment})` });
            }}
            onRemoveAnnotation={(aid) => void actions.removeAnnotation(aid)}
            onRemoveEdit={(eid) => void actions.removeEdit(eid)}
            onContinueFromEdit={(eid) => void fork({ edit: eid })}
            undo={undoCount > 0 ? () => void actions.undoEdit() : undefined}
            redo={redoCount > 0 ? () => void actions.redoEdit() : undefined}
            keptDraft={editDraft && !editDraft.open ? editDraft : undefined}
            onResumeEdit={() => editDraft && actions.openEdit(editDraft)}
            onDiscardEdit={actions.discardEdit}
          />
          {/* Not in a queue: overlapping annotators judge on their own, and the log shows the others' queue work. */}
          {!queue && <ActivityPanel traceId={trace.id} version={trace.version} />}
          <ForkTree traceId={trace.id} currentId={trace.id} />
          <EventList events={trace.events} dimFrom={eventCount} />
        </aside>
      </div>
      {sweep && <StartSweepDialog trace={trace} {...sweep} onClose={() => setSweep(null)} />}
      {editDraft?.open && (
        <EditDialog
          draft={editDraft}
          conflict={conflict?.change.kind === "edit" ? conflict : undefined}
          error={writeError}
          busy={busy}
          onChange={actions.setEditReplacement}
          onSave={() => void actions.saveEdit()}
          onClose={actions.closeEdit}
          onDiscard={actions.discardEdit}
          onKeepMine={() => void actions.keepMine()}
          onTakeTheirs={actions.takeTheirs}
          onReload={() => void (conflict ? actions.reloadConflict() : actions.load(trace.id))}
          onDismissError={actions.dismissError}
        />
      )}
    </div>
  );
}

/** Fork point for the player's position: the end of the last shown segment. */
function forkPointAt(trace: Trace, shown: number): { segment: number; offset: number } {
  const last = Math.max(1, Math.min(shown, trace.segments.length)) - 1;
  return { segment: last, offset: trace.segments[last]!.text.length };
}
