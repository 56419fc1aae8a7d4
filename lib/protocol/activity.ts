import { z } from "zod";

/**
 * Who did what to a trace: the append-only activity log (table `activity`, lib/db/activity.ts).
 * Every annotator write, fork, queue review, skip and adjudication appends one entry; entries are
 * never changed or removed (only with their trace). The per-trace activity list merges these with
 * the trace's own run events (run started / finished, hints injected).
 */
export const ACTIVITY_KINDS = [
  "annotation-added",
  "annotation-removed",
  "edit-added",
  "edit-removed",
  "review-set",
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
