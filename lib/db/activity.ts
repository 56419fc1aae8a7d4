import "server-only";
import { ACTIVITY_QUOTE_MAX, ActivityEntrySchema, type ActivityEntry, type ActivityKind, type Annotation, type Edit, type ReviewStatus } from "@/lib/protocol";
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

/**
 * Text quoted in an entry, cut to ACTIVITY_QUOTE_MAX (never inside a surrogate pair): the log is
 * read without the trace at hand, but it should not hold a second copy of long model text.
 */
export function quote(text: string, max = ACTIVITY_QUOTE_MAX): string {
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text[max - 1]!) ? max - 1 : max;
  return `${text.slice(0, end)}…`;
}

/** An annotation as its log entry shows it; `segmentText` is the text of its segment (the marked text is quoted from it). */
export function annotationDetail(a: Annotation, segmentText: string): Record<string, unknown> {
  return {
    annotationId: a.id,
    label: a.label,
    ...(a.comment ? { comment: quote(a.comment) } : {}),
    text: quote(segmentText.slice(a.start, a.end)),
    segment: a.segment,
    start: a.start,
    end: a.end,
  };
}

export function editDetail(e: Edit): Record<string, unknown> {
  return { editId: e.id, segment: e.segment, start: e.start, end: e.end, original: quote(e.original), replacement: quote(e.replacement) };
}

export function reviewDetail(r: { status: ReviewStatus; note?: string }, previous: ReviewStatus): Record<string, unknown> {
  return { status: r.status, ...(r.note ? { note: quote(r.note) } : {}), previous };
}

/** What a tags write changed, each list in the order of the list it comes from. */
export function tagsDetail(before: readonly string[], after: readonly string[]): Record<string, unknown> {
  return { added: after.filter((t) => !before.includes(t)), removed: before.filter((t) => !after.includes(t)) };
}
