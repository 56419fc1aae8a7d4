import { z } from "zod";
import { AnnotationSchema, EditSchema, ReviewStatusSchema, TraceSchema } from "./trace";
import { TraceListQuerySchema } from "./traces-api";

/**
 * Annotation queues (lib/queues): a researcher splits a selection of traces among annotators,
 * with overlap on a share of them for agreement. Every (trace, annotator) pair is an
 * *assignment* holding that annotator's own review, marks and edits — a queue never writes the
 * trace's own review — leased while it is open. An item's *final* version (what exports) is its
 * one annotator's work, or the agreeing annotators', or the researcher's adjudication.
 */

/** The trace-list filters a queue can be made from (no paging or order: the queue takes them all, oldest first). */
export const QueueFilterSchema = TraceListQuerySchema.omit({ sort: true, order: true, limit: true, offset: true, queue: true });
export type QueueFilter = z.infer<typeof QueueFilterSchema>;

export const QueueSourceSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("filter"), filter: QueueFilterSchema }),
  /** A Hint-RFT selection: the traces tagged `rft:<experimentId>`. */
  z.object({ type: z.literal("rft"), experimentId: z.string().min(1) }),
]);
export type QueueSource = z.infer<typeof QueueSourceSchema>;

export const QUEUE_ASSIGNMENT_MODES = ["even", "claim"] as const;
export const QueueAssignmentModeSchema = z.enum(QUEUE_ASSIGNMENT_MODES);

/** The most traces one queue takes (a bigger selection is refused with a message to narrow it). */
export const MAX_QUEUE_ITEMS = 20_000;

export const QueueLabelSchema = z.string().trim().min(1, "a label is empty").max(100, "a label has at most 100 characters");

export const QueueSpecSchema = z
  .object({
    name: z.string().trim().min(1, "give the queue a name").max(200),
    /** Markdown, shown to annotators above every item. */
    instructions: z.string().max(50_000).default(""),
    labels: z.array(QueueLabelSchema).min(1, "give at least one label").max(50),
    /** Account names. */
    annotators: z.array(z.string().min(1)).min(1, "choose at least one annotator").max(200),
    /** Annotators on each overlapping item (1 = no overlap). */
    perItem: z.number().int().min(1).max(10).default(1),
    /** Share of items (0–1) that get `perItem` annotators; the rest get one. */
    overlapShare: z.number().min(0).max(1).default(0),
    /** even: split among the annotators when the queue is made; claim: each "Next" takes the next free item. */
    assignment: QueueAssignmentModeSchema.default("even"),
    /** How long an opened item stays with its annotator without activity. */
    leaseMinutes: z.number().int().min(1).max(24 * 60).default(30),
    /** Chooses the overlapping items (reproducible). */
    seed: z.number().int().default(0),
  })
  .superRefine((s, ctx) => {
    const names = new Set(s.annotators);
    if (names.size !== s.annotators.length) ctx.addIssue({ code: "custom", path: ["annotators"], message: "an annotator is listed twice" });
    if (s.overlapShare > 0 && s.perItem > names.size) {
      ctx.addIssue({ code: "custom", path: ["perItem"], message: `${s.perItem} annotators per overlapping item need at least ${s.perItem} annotators in the queue (it has ${names.size})` });
    }
    if (new Set(s.labels).size !== s.labels.length) ctx.addIssue({ code: "custom", path: ["labels"], message: "a label is listed twice" });
  });
export type QueueSpec = z.infer<typeof QueueSpecSchema>;

export const CreateQueueBodySchema = z.object({ spec: QueueSpecSchema, source: QueueSourceSchema });
export type CreateQueueBody = z.infer<typeof CreateQueueBodySchema>;

export const ASSIGNMENT_STATUSES = ["assigned", "open", "done", "skipped", "expired"] as const;
export const AssignmentStatusSchema = z.enum(ASSIGNMENT_STATUSES);
export type AssignmentStatus = z.infer<typeof AssignmentStatusSchema>;

/** One annotator's work on one item. */
export const AssignmentWorkSchema = z.object({
  review: ReviewStatusSchema,
  note: z.string().optional(),
  annotations: z.array(AnnotationSchema),
  edits: z.array(EditSchema),
});
export type AssignmentWork = z.infer<typeof AssignmentWorkSchema>;

export const AssignmentSchema = z.object({
  id: z.string(),
  queueId: z.string(),
  item: z.number().int(),
  traceId: z.string(),
  annotator: z.string(),
  status: AssignmentStatusSchema,
  leaseUntil: z.number().optional(),
  openedAt: z.number().optional(),
  doneAt: z.number().optional(),
  /** Time spent with the item open (leased), summed over its leases. */
  activeMs: z.number(),
  skips: z.number().int(),
  version: z.number().int(),
  work: AssignmentWorkSchema,
});
export type Assignment = z.infer<typeof AssignmentSchema>;

/** The version of an item that exports. `from`: the annotators whose work it is (adjudication: the chosen ones). */
export const FinalVersionSchema = z.object({
  review: ReviewStatusSchema,
  note: z.string().optional(),
  annotations: z.array(AnnotationSchema),
  edits: z.array(EditSchema),
  from: z.array(z.string()),
  how: z.enum(["single", "agreed", "adjudicated"]),
  by: z.string(),
  at: z.number(),
});
export type FinalVersion = z.infer<typeof FinalVersionSchema>;

export const QueueSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  spec: QueueSpecSchema,
  source: QueueSourceSchema,
  createdBy: z.string(),
  createdAt: z.number(),
  items: z.number().int(),
  /** Items with a final version. */
  final: z.number().int(),
  /** Overlapping items whose annotators disagree and which no one has adjudicated. */
  disagreements: z.number().int(),
  /** The signed-in user's own progress, when they annotate in this queue. */
  mine: z.object({ done: z.number().int(), assigned: z.number().int(), remaining: z.number().int(), skipped: z.number().int() }).optional(),
});
export type QueueSummary = z.infer<typeof QueueSummarySchema>;

export const AnnotatorProgressSchema = z.object({
  annotator: z.string(),
  done: z.number().int(),
  /** Items they hold: done, open or assigned to them (claim mode: done or open). */
  assigned: z.number().int(),
  remaining: z.number().int(),
  skipped: z.number().int(),
  inProgress: z.number().int(),
  medianMs: z.number().optional(),
  meanMs: z.number().optional(),
});
export type AnnotatorProgress = z.infer<typeof AnnotatorProgressSchema>;

export const AgreementSchema = z.object({
  /** Overlapping items every one of whose annotators has decided. */
  items: z.number().int(),
  /** Review decision: Cohen's kappa for two annotators throughout, Fleiss' otherwise. */
  kappa: z.object({ kind: z.enum(["cohen", "fleiss"]), value: z.number().nullable(), observed: z.number().nullable() }),
  /** Character-overlap F1 of the marked spans, per label, pooled over overlapping items and annotator pairs. */
  spans: z.array(z.object({ label: z.string(), f1: z.number().nullable(), chars: z.number().int() })),
});
export type Agreement = z.infer<typeof AgreementSchema>;

export const DisagreementSchema = z.object({
  item: z.number().int(),
  traceId: z.string(),
  problem: z.string(),
  decisions: z.array(z.object({ annotator: z.string(), review: ReviewStatusSchema, edits: z.number().int(), annotations: z.number().int() })),
  adjudicated: z.boolean(),
});
export type Disagreement = z.infer<typeof DisagreementSchema>;

export const QueueDetailSchema = QueueSummarySchema.extend({
  progress: z.array(AnnotatorProgressSchema),
  agreement: AgreementSchema,
  disagreements: z.number().int(),
  disagreementList: z.array(DisagreementSchema),
});
export type QueueDetail = z.infer<typeof QueueDetailSchema>;

/** POST /api/queues/:id/next: the item to open, or none left for this annotator. */
export const NextAnswerSchema = z.union([z.object({ assignment: AssignmentSchema }), z.object({ done: z.literal(true), message: z.string() })]);
export type NextAnswer = z.infer<typeof NextAnswerSchema>;

/** GET /api/queues/:id/assignments/:aid: the assignment, its queue, and the trace as the annotator sees it. */
export const AssignmentViewSchema = z.object({
  assignment: AssignmentSchema,
  queue: z.object({ id: z.string(), name: z.string(), instructions: z.string(), labels: z.array(z.string()), leaseMinutes: z.number() }),
  mine: z.object({ done: z.number().int(), assigned: z.number().int(), remaining: z.number().int(), skipped: z.number().int() }),
  /** Why the annotator cannot write (lease taken over, not theirs), if so. */
  readOnly: z.string().optional(),
});
export type AssignmentView = z.infer<typeof AssignmentViewSchema>;

/** An item for adjudication: every annotator's work side by side, and the final version if any. */
export const QueueItemViewSchema = z.object({
  queueId: z.string(),
  item: z.number().int(),
  required: z.number().int(),
  trace: TraceSchema,
  assignments: z.array(AssignmentSchema),
  final: FinalVersionSchema.optional(),
});
export type QueueItemView = z.infer<typeof QueueItemViewSchema>;

/** POST …/items/:idx/adjudicate: one annotator's whole version, or a merge of chosen edits and marks. */
export const AdjudicateBodySchema = z.union([
  z.object({ choose: z.string().min(1) }),
  z.object({
    merge: z.object({
      review: ReviewStatusSchema.refine((s) => s !== "unreviewed", "choose accepted, rejected or needs-work"),
      note: z.string().max(10_000).optional(),
      /** Edit ids from any of the item's assignments. */
      edits: z.array(z.string()).max(1000),
      annotations: z.array(z.string()).max(5000),
    }),
  }),
]);
export type AdjudicateBody = z.infer<typeof AdjudicateBodySchema>;
