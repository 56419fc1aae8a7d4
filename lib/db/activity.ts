import "server-only";
import { ActivityEntrySchema, type ActivityEntry, type ActivityKind } from "@/lib/protocol";
import type { Db } from "./sqlite";

/**
 * The append-only activity log of a trace (lib/protocol/activity.ts). Callers append inside the
 * transaction of the write they record, so the log and the data never disagree.
 */
export function recordActivity(
  db: Db,
  traceId: string,
  entry: { author: string; kind: ActivityKind; queueId?: string; detail?: Record<string, unknown> },
  now = Date.now(),
): void {
  const { seq } = db.prepare("SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM activity WHERE trace_id = ?").get(traceId) as { seq: number };
  db.prepare("INSERT INTO activity (trace_id, seq, at, author, kind, queue_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?)").run(
    traceId,
    seq,
    now,
    entry.author,
    entry.kind,
    entry.queueId ?? null,
    JSON.stringify(entry.detail ?? {}),
  );
}

/** A trace's log, oldest first. */
export function listActivity(db: Db, traceId: string): ActivityEntry[] {
  const rows = db.prepare("SELECT seq, at, author, kind, queue_id, detail FROM activity WHERE trace_id = ? ORDER BY seq").all(traceId) as {
    seq: number;
    at: number;
    author: string;
    kind: string;
    queue_id: string | null;
    detail: string;
  }[];
  return rows.map((r) =>
    ActivityEntrySchema.parse({ seq: r.seq, at: r.at, author: r.author, kind: r.kind, ...(r.queue_id ? { queueId: r.queue_id } : {}), detail: JSON.parse(r.detail) }),
  );
}
