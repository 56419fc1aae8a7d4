"use client";

import { useEffect, useState } from "react";
import { FinalVersionSchema, QueueItemViewSchema, REVIEW_STATUSES, type Assignment, type QueueItemView, type ReviewStatus, type Trace } from "@/lib/protocol";
import { MarkdownText } from "@/components/markdown/deferred";
import { call, queuePath } from "./api";
import "./queues.css";

const excerpt = (t: string, n = 160) => (t.length > n ? `${t.slice(0, n)}…` : t);

/** The text around a span of a segment, for reading an edit or a mark without the whole trace. */
function around(trace: Trace, segment: number, start: number, end: number, n = 60) {
  const text = trace.segments[segment]?.text ?? "";
  return { before: text.slice(Math.max(0, start - n), start), span: text.slice(start, end), after: text.slice(end, end + n) };
}

/**
 * Adjudication of one overlapping item: every annotator's decision, note, edits and marks side by
 * side. The researcher takes one annotator's whole version, or ticks edits and marks from any of
 * them and saves the merge under a decision; the result is the version that exports.
 */
export function AdjudicatePage({ id, idx }: { id: string; idx: number }) {
  const [view, setView] = useState<QueueItemView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [edits, setEdits] = useState<Set<string>>(new Set());
  const [marks, setMarks] = useState<Set<string>>(new Set());
  const [decision, setDecision] = useState<ReviewStatus>("accepted");
  const [note, setNote] = useState("");
  const path = `${queuePath(id)}/items/${idx}`;
  const load = async () => {
    try {
      const v = await call(path, QueueItemViewSchema);
      setView(v);
      if (v.final) {
        setEdits(new Set(v.final.edits.map((e) => e.id)));
        setMarks(new Set(v.final.annotations.map((a) => a.id)));
        setDecision(v.final.review);
      }
    } catch (e) {
      setError((e as Error).message);
    }
  };
  // External system: the item's works on the server.
  useEffect(() => {
    void load();
  }, [path]);

  const save = async (body: unknown, what: string) => {
    setError(null);
    try {
      await call(`${path}/adjudicate`, FinalVersionSchema, "POST", body);
      setSaved(what);
      await load();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  if (error && !view) return <div className="error-banner page-pad">{error}</div>;
  if (!view) return <p className="muted page-pad">Loading item…</p>;
  const done = view.assignments.filter((a) => a.status === "done");
  const flip = (set: Set<string>, setter: (s: Set<string>) => void, key: string) => setter(set.has(key) ? new Set([...set].filter((x) => x !== key)) : new Set([...set, key]));
  return (
    <main className="page queues adjudicate" data-testid="adjudicate-page">
      <p>
        <a href={`/queues/${encodeURIComponent(id)}`}>← queue</a> · item {idx + 1} · <a href={`/traces/${encodeURIComponent(view.trace.id)}`}>open the trace</a>
      </p>
      <details>
        <summary>Problem</summary>
        <MarkdownText text={view.trace.problem.statement} />
      </details>
      {view.final && (
        <p data-testid="adjudication-final">
          Final version: <strong>{view.final.review}</strong> — {view.final.how === "adjudicated" ? `adjudicated by ${view.final.by}` : view.final.how} from {view.final.from.join(", ")}; {view.final.edits.length} edits, {view.final.annotations.length} marks.
        </p>
      )}
      {saved && (
        <div className="notice" role="status" data-testid="adjudication-saved">
          Saved: {saved}. This is the version that exports.
        </div>
      )}
      {error && (
        <div className="error-banner" role="alert">
          {error}
        </div>
      )}
      <div className="side-by-side">
        {done.map((a) => (
          <WorkColumn key={a.id} a={a} trace={view.trace} edits={edits} marks={marks} onEdit={(k) => flip(edits, setEdits, k)} onMark={(k) => flip(marks, setMarks, k)} onChoose={() => void save({ choose: a.annotator }, `${a.annotator}'s version`)} />
        ))}
      </div>
      {done.length < view.required && <p className="muted">{view.required - done.length} of the {view.required} reviews are still missing.</p>}
      <section className="panel">
        <h3>Merge</h3>
        <p className="muted small">Tick edits and marks above from any annotator, choose the decision, and save.</p>
        <div className="row">
          <select value={decision} onChange={(e) => setDecision(e.target.value as ReviewStatus)} data-testid="merge-decision">
            {REVIEW_STATUSES.filter((s) => s !== "unreviewed").map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
          <input placeholder="note" value={note} onChange={(e) => setNote(e.target.value)} className="grow" />
          <button className="primary" onClick={() => void save({ merge: { review: decision, ...(note ? { note } : {}), edits: [...edits], annotations: [...marks] } }, `a merge of ${edits.size} edits and ${marks.size} marks`)} data-testid="merge-save">
            Save merged version
          </button>
        </div>
      </section>
    </main>
  );
}

function WorkColumn(p: { a: Assignment; trace: Trace; edits: Set<string>; marks: Set<string>; onEdit: (id: string) => void; onMark: (id: string) => void; onChoose: () => void }) {
  const { a, trace } = p;
  return (
    <section className="panel work-column" data-testid="work-column" data-annotator={a.annotator}>
      <h3>
        {a.annotator}: <span className={`verdict-${a.work.review}`}>{a.work.review}</span>
      </h3>
      {a.work.note && <p className="small">“{a.work.note}”</p>}
      <button onClick={p.onChoose} data-testid="choose-version">
        Use {a.annotator}’s version
      </button>
      <h4>Edits ({a.work.edits.length})</h4>
      <ul className="ann-list">
        {a.work.edits.map((e) => {
          const c = around(trace, e.segment, e.start, e.end);
          return (
            <li key={e.id} data-testid="work-edit">
              <label className="inline">
                <input type="checkbox" checked={p.edits.has(e.id)} onChange={() => p.onEdit(e.id)} data-testid="merge-edit" /> segment {e.segment} · {e.start}–{e.end}
              </label>
              <div className="small">
                <span className="muted">…{excerpt(c.before, 60)}</span>
                <del>{excerpt(e.original)}</del>
                <ins>{excerpt(e.replacement)}</ins>
                <span className="muted">{excerpt(c.after, 60)}…</span>
              </div>
            </li>
          );
        })}
      </ul>
      <h4>Marks ({a.work.annotations.length})</h4>
      <ul className="ann-list">
        {a.work.annotations.map((m) => (
          <li key={m.id} data-testid="work-mark">
            <label className="inline">
              <input type="checkbox" checked={p.marks.has(m.id)} onChange={() => p.onMark(m.id)} /> <strong>{m.label}</strong>
            </label>
            <blockquote className="small">{excerpt(around(trace, m.segment, m.start, m.end).span)}</blockquote>
            {m.comment && <p className="small">{m.comment}</p>}
          </li>
        ))}
      </ul>
    </section>
  );
}
