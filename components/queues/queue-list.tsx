"use client";

import { useEffect, useState } from "react";
import { z } from "zod";
import { QueueSummarySchema, type QueueSummary } from "@/lib/protocol";
import { useCan } from "@/components/ui/session";
import { call, describeRule } from "./api";
import { useQueueNext } from "./use-next";
import "./queues.css";

const ListSchema = z.object({ items: z.array(QueueSummarySchema) });

/** Annotation queues: researchers see all (and make new ones from the library or a Hint-RFT selection); annotators see theirs. */
export function QueueList() {
  const canRun = useCan("run");
  const [items, setItems] = useState<QueueSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  // External system: the server's queues.
  useEffect(() => {
    call("/api/queues", ListSchema)
      .then((r) => setItems(r.items))
      .catch((e: Error) => setError(e.message));
  }, []);
  return (
    <main className="page queues">
      <h2>Annotation queues</h2>
      {canRun && (
        <p className="muted small">
          Make a queue from the <a href="/traces">trace library</a> (its current filter: “Queue these…”) or from an experiment’s Hint-RFT selection.{" "}
          <a className="button" href="/queues/new" data-testid="new-queue">
            New queue…
          </a>
        </p>
      )}
      {error && <div className="error-banner">{error}</div>}
      <table className="table" data-testid="queue-list">
        <thead>
          <tr>
            <th>Queue</th>
            <th>Items</th>
            <th>Final</th>
            <th>Disagreements</th>
            <th>Yours (done / held / remaining)</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(items ?? []).map((q) => (
            <QueueRow key={q.id} q={q} />
          ))}
        </tbody>
      </table>
      {items?.length === 0 && <p className="muted">{canRun ? "No queues yet." : "You are in no annotation queue yet; a researcher adds you to one."}</p>}
    </main>
  );
}

function QueueRow({ q }: { q: QueueSummary }) {
  const { next, message, busy } = useQueueNext(q.id);
  return (
    <tr data-testid="queue-row">
      <td>
        <a href={`/queues/${encodeURIComponent(q.id)}`}>{q.name}</a>
        <div className="muted small">
          {describeRule(q.spec)}
        </div>
      </td>
      <td>{q.items}</td>
      <td>{q.final}</td>
      <td>{q.disagreements}</td>
      <td data-testid="queue-mine">{q.mine ? `${q.mine.done} / ${q.mine.assigned} / ${q.mine.remaining}` : "—"}</td>
      <td>
        {q.mine && (
          <button className="primary" disabled={busy || q.mine.remaining === 0} onClick={() => void next()} data-testid="queue-start">
            {q.mine.done > 0 ? "Continue" : "Start"}
          </button>
        )}
        {message && <div className="small muted">{message}</div>}
      </td>
    </tr>
  );
}
