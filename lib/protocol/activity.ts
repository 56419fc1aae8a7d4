import { z } from "zod";

/**
 * Who did what to a trace: the append-only activity log (table `activity`, lib/db/activity.ts).
 * Every annotator write, fork, queue review, skip and adjudication appends one entry; entries are
 * never changed or removed (only with their trace). The per-trace activity list merges these with
 * the trace's own run events (run started / finished, hints injected).
 */
export const ACTIVITY_KINDS = [
  /** detail: annotationId, label, comment?, text (the marked text, cut), segment, start, end. Removed: the same, of the removed mark. */
  "annotation-added",
  "annotation-removed",
  /** detail: editId, segment, start, end, original, replacement (both cut). Removed: the same, of the removed edit. */
  "edit-added",
  "edit-removed",
  /** detail: status, note? (cut), previous (the status before). */
  "review-set",
  /** detail: added, removed (tag lists; both empty when the write changed nothing). */
  "tags-set",
  /** On the parent: a fork was made from it (detail.child). */
  "forked",
  /** On the fork: where it came from (detail.parent, detail.at, detail.edit when continued from an edit). */
  "forked-from",
  /** A queue annotator's decision on their assignment (detail.status, detail.note). */
  "queue-review",
  "queue-skip",
  /** A researcher chose the version that exports (detail.from: annotators chosen, detail.status). */
  "adjudicated",
] as const;
export const ActivityKindSchema = z.enum(ACTIVITY_KINDS);
export type ActivityKind = z.infer<typeof ActivityKindSchema>;

export const ActivityEntrySchema = z.object({
  seq: z.number().int(),
  at: z.number(),
  author: z.string(),
  kind: ActivityKindSchema,
  queueId: z.string().optional(),
  detail: z.record(z.string(), z.unknown()),
});
export type ActivityEntry = z.infer<typeof ActivityEntrySchema>;

/** Longest text an activity entry quotes (marked text, original, replacement, note), in UTF-16 units, before "…". */
export const ACTIVITY_QUOTE_MAX = 200;

/** Entries of the list derived from the trace's own event log (lib/protocol/trace.ts TraceEventSchema). */
export const ACTIVITY_RUN_KINDS = ["run-started", "run-finished", "hint-injected", "error"] as const;

/**
 * Author of run events. No table records who started a run (traces have no creator column), so
 * the list says what did it instead of guessing an account.
 */
export const RUN_AUTHOR = "model run";

/**
 * One line of GET /api/traces/:id/activity, oldest first. `source`: `log` an activity-log entry
 * (with its `seq`); `run` an event of the trace's run (`detail.eventIndex` = its place in
 * `trace.events`); `trace` an annotation, edit or review present on the trace that no log entry
 * records (imported traces, traces annotated before the log existed), at its own author and
 * time, with `kind` as if it had been logged.
 */
export const ActivityItemSchema = z.object({
  source: z.enum(["log", "run", "trace"]),
  at: z.number(),
  author: z.string(),
  kind: z.enum([...ACTIVITY_KINDS, ...ACTIVITY_RUN_KINDS]),
  seq: z.number().int().optional(),
  queueId: z.string().optional(),
  detail: z.record(z.string(), z.unknown()),
});
export type ActivityItem = z.infer<typeof ActivityItemSchema>;
export type ActivityItemKind = ActivityItem["kind"];

export const TraceActivitySchema = z.object({ traceId: z.string(), items: z.array(ActivityItemSchema) });
export type TraceActivity = z.infer<typeof TraceActivitySchema>;
