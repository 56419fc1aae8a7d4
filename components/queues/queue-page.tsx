"use client";

import { useEffect, useState } from "react";
import { useRouter } from "next/navigation";
import { z } from "zod";
import { QueueDetailSchema, QueueSummarySchema, type QueueDetail, type QueueSummary } from "@/lib/protocol";
import { useCan } from "@/components/ui/session";
import { MarkdownText } from "@/components/markdown/deferred";
import { call, describeRule, duration, pct, queuePath } from "./api";
import { useQueueNext } from "./use-next";
import "./queues.css";

const FORMATS = ["edits", "segments", "openai", "sharegpt", "trl"] as const;

/** One queue: for researchers progress, agreement, disagreements and export; for its annotators their progress and Next. */
export function QueuePage({ id }: { id: string }) {
  const researcher = useCan("run");
  const [data, setData] = useState<QueueDetail | QueueSummary | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { next, message, busy } = useQueueNext(id);
  const router = useRouter();
  // External system: the queue's state, refreshed while annotators work.
  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const d = await call(queuePath(id), researcher ? QueueDetailSchema : QueueSummarySchema);
        if (!stop) setData(d);
      } catch (e) {
        if (!stop) setError((e as Error).message);
      }
      if (!stop) timer = setTimeout(tick, 5000);
    };
    void tick();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [id, researcher]);
  // External system: the keyboard — n starts (or continues) annotating.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.target as HTMLElement | null)?.closest("input, textarea, select")) return;
      if (e.key === "n" && !e.ctrlKey && !e.metaKey && !e.altKey) void next();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  if (error && !data) return <div className="error-banner page-pad">Could not open queue {id}: {error}</div>;
  if (!data) return <p className="muted page-pad">Loading queue…</p>;
  const detail = "progress" in data ? data : null;
  const remove = async () => {
    if (!window.confirm(`Delete queue "${data.name}"? The annotators' work in it is deleted; the traces stay.`)) return;
    await call(queuePath(id), z.null(), "DELETE").catch((e: Error) => setError(e.message));
    router.push("/queues");
  };
  return (
    <main className="page queues" data-testid="queue-page">
      <h2>{data.name}</h2>
      <p className="muted small">
        {data.items} traces · {describeRule(data.spec)} · lease {data.spec.leaseMinutes} min · by {data.createdBy}
      </p>
      <div className="row">
        <span data-testid="queue-final">
          <strong>{data.final}</strong> of {data.items} final
        </span>
        <span data-testid="queue-disagreements">{data.disagreements} disagreements to adjudicate</span>
        {data.mine && (
          <>
            <span data-testid="queue-mine">
              yours: {data.mine.done} done, {data.mine.remaining} remaining
            </span>
            <button className="primary" disabled={busy} onClick={() => void next()} data-testid="queue-start" title="n">
              {data.mine.done ? "Continue" : "Start"} annotating (n)
            </button>
          </>
        )}
        {message && <span className="muted">{message}</span>}
      </div>
      <details>
        <summary>Instructions</summary>
        <MarkdownText text={data.spec.instructions || "_none_"} />
        <p className="small">Labels: {data.spec.labels.join(", ")}</p>
      </details>
      {detail && <ResearcherView q={detail} />}
      {researcher && (
        <section className="panel">
          <h3>Export</h3>
          <p className="muted small">Traces accepted in this queue, each as its final version (the annotator’s, the agreeing annotators’, or your adjudication); edit records name their author and this queue.</p>
          <div className="row">
            {FORMATS.map((f) => (
              <a key={f} className="button" href={`/api/export?format=${f}&queue=${encodeURIComponent(id)}`} download={`hintlab-queue-${f}.jsonl`} data-testid={`queue-export-${f}`}>
                {f}
              </a>
            ))}
            <a href={`/traces?queue=${encodeURIComponent(id)}`}>Show them in the library</a>
            <button className="danger" onClick={() => void remove()} data-testid="queue-delete">
              Delete queue
            </button>
          </div>
        </section>
      )}
    </main>
  );
}

function ResearcherView({ q }: { q: QueueDetail }) {
  const k = q.agreement.kappa;
  return (
    <>
      <section className="panel">
        <h3>Progress</h3>
        <table className="table" data-testid="queue-progress">
          <thead>
            <tr>
              <th>Annotator</th>
              <th>Done</th>
              <th>Held</th>
              <th>Remaining</th>
              <th>Skipped</th>
              <th>Open now</th>
              <th>Time per item (median / mean)</th>
            </tr>
          </thead>
          <tbody>
            {q.progress.map((p) => (
              <tr key={p.annotator} data-testid="queue-progress-row" data-annotator={p.annotator}>
                <td>{p.annotator}</td>
                <td data-testid="progress-done">{p.done}</td>
                <td>{p.assigned}</td>
                <td>{p.remaining}</td>
                <td>{p.skipped}</td>
                <td>{p.inProgress}</td>
                <td>
                  {duration(p.medianMs)} / {duration(p.meanMs)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="panel" data-testid="queue-agreement">
        <h3>Agreement</h3>
        {q.agreement.items === 0 ? (
          <p className="muted">No overlapping item has all its reviews yet.</p>
        ) : (
          <>
            <p>
              On {q.agreement.items} overlapping items: {k.kind === "cohen" ? "Cohen’s" : "Fleiss’"} κ on the decision ={" "}
              <strong data-testid="queue-kappa">{k.value === null ? "— (every decision was the same)" : k.value.toFixed(2)}</strong>, raw agreement {pct(k.observed)}.
            </p>
            <table className="table small">
              <thead>
                <tr>
                  <th>Label</th>
                  <th>Span F1 (characters)</th>
                  <th>Characters marked</th>
                </tr>
              </thead>
              <tbody>
                {q.agreement.spans.map((s) => (
                  <tr key={s.label} data-testid="queue-span-f1">
                    <td>{s.label}</td>
                    <td>{s.f1 === null ? "—" : s.f1.toFixed(2)}</td>
                    <td>{s.chars}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </section>
      <section className="panel">
        <h3>Disagreements</h3>
        {q.disagreementList.length === 0 ? (
          <p className="muted">None so far.</p>
        ) : (
          <table className="table" data-testid="queue-disagreement-list">
            <thead>
              <tr>
                <th>Item</th>
                <th>Problem</th>
                <th>Decisions</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {q.disagreementList.map((d) => (
                <tr key={d.item} data-testid="queue-disagreement">
                  <td>{d.item + 1}</td>
                  <td className="small">{d.problem}</td>
                  <td className="small">
                    {d.decisions.map((x) => (
                      <div key={x.annotator}>
                        {x.annotator}: <strong>{x.review}</strong> ({x.edits} edits, {x.annotations} marks)
                      </div>
                    ))}
                  </td>
                  <td>
                    <a className="button" href={`/queues/${encodeURIComponent(q.id)}/items/${d.item}`} data-testid="adjudicate-link">
                      {d.adjudicated ? "Adjudicated ✓ (change)" : "Adjudicate"}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
