"use client";

import { useCallback, useEffect, useMemo, useState } from "react";
import { useRouter } from "next/navigation";
import { z } from "zod";
import { AssignmentViewSchema, type AssignmentView } from "@/lib/protocol";
import { TraceDetail } from "@/components/annotate/trace-detail";
import type { QueueMode } from "@/components/annotate/queue-mode";
import { MarkdownText } from "@/components/markdown/deferred";
import { assignmentPath, call } from "./api";
import { useQueueNext } from "./use-next";
import "./queues.css";

/** How often the open page renews its lease (well inside the shortest lease, one minute). */
const RENEW_MS = 20_000;

/**
 * An annotator's item of a queue: the trace page in queue mode (their own marks, edits and review;
 * n next, s skip), under a header with the queue's instructions, their progress and the lease,
 * which the page renews while it is visible.
 */
export function QueueWork({ queueId, assignmentId }: { queueId: string; assignmentId: string }) {
  const router = useRouter();
  const [view, setView] = useState<AssignmentView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { next, message } = useQueueNext(queueId);
  const base = assignmentPath(queueId, assignmentId);

  const refresh = useCallback(async () => {
    try {
      setView(await call(base, AssignmentViewSchema));
    } catch (e) {
      setError((e as Error).message);
    }
  }, [base]);

  // External system: the server's assignment, and its lease while the page is open and visible.
  useEffect(() => {
    void refresh();
    const renew = async () => {
      if (document.visibilityState !== "visible") return;
      try {
        await call(`${base}/lease`, z.object({ leaseUntil: z.number() }), "POST");
      } catch {
        void refresh(); // lease lost or not ours: the header says so
      }
    };
    const timer = setInterval(renew, RENEW_MS);
    return () => clearInterval(timer);
  }, [base, refresh]);

  const skip = useCallback(async () => {
    try {
      await call(`${base}/skip`, z.null(), "POST");
      await next();
    } catch (e) {
      setError((e as Error).message);
    }
  }, [base, next]);

  const mine = view?.assignment.annotator;
  const readOnly = view?.readOnly;
  const queue: QueueMode | null = useMemo(
    () =>
      view && {
        paths: { read: () => `${base}/trace`, write: () => base },
        labels: view.queue.labels,
        ...(readOnly ? { readOnly } : {}),
        header: <QueueHeader view={view} message={message ?? error} onBack={() => router.push(`/queues/${encodeURIComponent(queueId)}`)} />,
        onNext: () => void next(),
        onSkip: () => void skip(),
        onChanged: () => void refresh(),
      },
    // The header shows the latest view; the store keeps the paths it was created with.
    [view, base, readOnly, message, error, next, skip, refresh, router, queueId],
  );
  if (error && !view) return <div className="error-banner page-pad">Could not open this item: {error}</div>;
  if (!view || !queue) return <p className="muted page-pad">Loading item…</p>;
  return <TraceDetail key={`${assignmentId}:${mine}`} id={view.assignment.traceId} queue={queue} />;
}

function QueueHeader({ view, message, onBack }: { view: AssignmentView; message: string | null; onBack: () => void }) {
  const { assignment: a, queue: q, mine } = view;
  const leaseLeft = a.leaseUntil ? Math.max(0, Math.round((a.leaseUntil - Date.now()) / 60_000)) : null;
  return (
    <section className="panel queue-head" data-testid="queue-head">
      <div className="row">
        <button className="small" onClick={onBack}>
          ← {q.name}
        </button>
        <strong>Item {a.item + 1}</strong>
        <span className={`queue-status status-${a.status}`} data-testid="assignment-status">
          {a.status === "done" ? `done: ${a.work.review}` : a.status}
        </span>
        <span className="small" data-testid="queue-my-progress">
          {mine.done} done · {mine.remaining} remaining{mine.skipped ? ` · ${mine.skipped} skipped` : ""}
        </span>
        {a.status === "open" && leaseLeft !== null && <span className="muted small">yours for {leaseLeft} more min (renewed while this page is open)</span>}
        <span className="muted small">keys: j/k sentence · m mark · e edit · a accept · x reject · w needs work · n next · s skip</span>
      </div>
      {message && (
        <div className="notice" role="status" data-testid="queue-message">
          {message}
        </div>
      )}
      <details open={!a.openedAt || a.openedAt > Date.now() - 5000}>
        <summary>Instructions</summary>
        <MarkdownText text={q.instructions || "_none_"} />
      </details>
    </section>
  );
}
