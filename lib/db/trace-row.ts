import "server-only";
import { TraceSchema, type Trace } from "@/lib/protocol";
import { effectiveStatus, type TraceRow } from "./trace-list";

/** A trace's child rows as parsed JSON (not yet validated), each list in TraceStore's order. */
export interface TraceChildren {
  segments: readonly unknown[];
  events: readonly unknown[];
  annotations: readonly unknown[];
  edits: readonly unknown[];
}

/**
 * The Trace of a traces row and its child rows, validated once as a whole (TraceSchema checks
 * every segment, event, annotation and edit). The one place a stored trace becomes a Trace:
 * `TraceStore.get` (one trace, five statements) and the export's batch reads (export-load.ts)
 * both build it here, so they cannot drift apart in fields or order.
 */
export function traceFromRow(row: TraceRow, children: TraceChildren, now: number): Trace {
  return TraceSchema.parse({
    id: row.id,
    problem: JSON.parse(row.problem),
    ...(row.parent_id ? { parentId: row.parent_id } : {}),
    ...(row.fork_at ? { forkAt: JSON.parse(row.fork_at) } : {}),
    config: JSON.parse(row.config),
    segments: children.segments,
    events: children.events,
    status: effectiveStatus(row.status, row.updated_at, now),
    ...(row.answer !== null ? { answer: row.answer } : {}),
    ...(row.verdict ? { verdict: row.verdict } : {}),
    review: {
      status: row.review_status,
      ...(row.review_note ? { note: row.review_note } : {}),
      ...(row.review_author ? { author: row.review_author } : {}),
      ...(row.review_at ? { at: row.review_at } : {}),
    },
    annotations: children.annotations,
    edits: children.edits,
    ...(row.dataset ? { dataset: row.dataset } : {}),
    tags: JSON.parse(row.tags) as string[],
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}
