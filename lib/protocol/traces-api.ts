import { z } from "zod";
import { LiveLogprobsSchema, MAX_LIVE_LOGPROB_TOKENS } from "./logprobs";
import {
  AnnotationSchema,
  EditSchema,
  ForkAlternativeSchema,
  ReviewStatusSchema,
  SegmentSchema,
  TraceEventSchema,
  TraceSchema,
  TraceStatusSchema,
  VerdictSchema,
} from "./trace";

/** POST /api/traces: a new trace (version and timestamps are the server's). */
export const CreateTraceBodySchema = TraceSchema.omit({ id: true, version: true, createdAt: true, updatedAt: true }).extend({
  /** Client-chosen id (the playground's run id); the server makes one when absent. */
  id: z.string().min(1).max(200).optional(),
  createdAt: z.number().optional(),
});
export type CreateTraceBody = z.infer<typeof CreateTraceBodySchema>;

/** A live writer's lease on a trace (see lib/db/live-writes.ts): an opaque token. */
const Lease = z.string().min(16).max(100);

/**
 * PATCH /api/traces/:id/live — the running session's writer, holding the trace's lease.
 * Segments from `segmentsFrom` on replace what is stored there, but only by extending it (the
 * last one may still be growing; stored text is never shortened); events from `eventsFrom` on
 * are appended. `seq` rises with every request of the lease, so a late request (lower seq)
 * changes nothing. Idempotent, so a retried flush never duplicates anything.
 */
export const LiveAppendBodySchema = z.object({
  lease: Lease,
  seq: z.number().int().min(1),
  segmentsFrom: z.number().int().min(0),
  segments: z.array(SegmentSchema),
  eventsFrom: z.number().int().min(0),
  events: z.array(TraceEventSchema),
  status: TraceStatusSchema,
  answer: z.string().optional(),
  verdict: VerdictSchema.optional(),
  /** The tab is going away: store this and give the lease up (a live status becomes "interrupted"). */
  release: z.boolean().optional(),
  /** Token probabilities of model segments, appended per segment (see LiveLogprobsSchema). */
  logprobs: z
    .array(LiveLogprobsSchema)
    .max(64)
    .refine((l) => l.reduce((n, e) => n + e.tokens.length, 0) <= MAX_LIVE_LOGPROB_TOKENS, `a live save carries at most ${MAX_LIVE_LOGPROB_TOKENS} tokens of logprobs; send the rest with the next save`)
    .optional(),
});
export type LiveAppendBody = z.infer<typeof LiveAppendBodySchema>;

/**
 * POST /api/traces/:id/lease — become the trace's live writer (to resume it). Refused with a
 * 409 (reason "lease-held") while another tab or runner is writing it, unless `takeOver`.
 * PUT renews a held lease (a heartbeat); DELETE gives it up.
 */
export const LeaseAcquireBodySchema = z.object({ takeOver: z.boolean().default(false) });
export const LeaseBodySchema = z.object({ lease: Lease });
/** The answer to POST /api/traces (for a live trace) and to POST …/lease: the lease and the trace as stored now. */
export const LeaseGrantSchema = z.object({ lease: Lease, trace: TraceSchema });
export type LeaseGrant = z.infer<typeof LeaseGrantSchema>;

/** Annotator writes carry the version they were based on; the author is the signed-in account (set by the route, never by the client). */
const Based = { baseVersion: z.number().int().min(1) };

export const ReviewBodySchema = z.object({ ...Based, status: ReviewStatusSchema, note: z.string().max(10_000).optional() });
export const AnnotationBodySchema = z.object({ ...Based, annotation: AnnotationSchema.omit({ id: true, author: true, createdAt: true }) });
export const EditBodySchema = z.object({ ...Based, edit: EditSchema.omit({ id: true, author: true, createdAt: true, original: true }) });
export const RemoveBodySchema = z.object({ ...Based });
export const TagsBodySchema = z.object({ ...Based, tags: z.array(z.string().trim().min(1).max(50)).max(50) });

/**
 * POST /api/traces/:id/fork: the new trace starts with the prefix up to (segment, offset), then
 * `alternative.text` when it branches from another token the model could have written there; or,
 * with `{ edit }` ("continue from here"), the trace's edited text up to the end of that edit (see
 * editForkPrefix in lib/engine), for the model to go on from.
 */
// Both strict: an edit fork's point is the edit's own, so a body naming an edit and a point is refused.
export const ForkPointBodySchema = z.object({ segment: z.number().int().min(0), offset: z.number().int().min(0), alternative: ForkAlternativeSchema.optional() }).strict();
export const ForkEditBodySchema = z.object({ edit: z.string().min(1).max(200) }).strict();
export const ForkBodySchema = z.union([ForkEditBodySchema, ForkPointBodySchema]);
export type ForkBody = z.infer<typeof ForkBodySchema>;

export const TRACE_SORTS = ["created", "updated", "tokens", "tool_calls", "chars"] as const;

/** GET /api/traces query. */
export const TraceListQuerySchema = z.object({
  q: z.string().max(500).optional(),
  verdict: VerdictSchema.optional(),
  review: ReviewStatusSchema.optional(),
  model: z.string().optional(),
  hint: z.string().optional(),
  dataset: z.string().optional(),
  tag: z.string().optional(),
  status: TraceStatusSchema.optional(),
  /** Accepted in this annotation queue: its final version (the one annotator's, agreed, or adjudicated) is "accepted". */
  queue: z.string().min(1).max(100).optional(),
  sort: z.enum(TRACE_SORTS).default("created"),
  order: z.enum(["asc", "desc"]).default("desc"),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export type TraceListQuery = z.infer<typeof TraceListQuerySchema>;

export const TraceSummarySchema = z.object({
  id: z.string(),
  problemStatement: z.string(),
  model: z.string(),
  policy: z.string(),
  hintsUsed: z.array(z.string()),
  toolCalls: z.number(),
  tokens: z.number(),
  chars: z.number(),
  status: TraceStatusSchema,
  verdict: VerdictSchema.optional(),
  reviewStatus: ReviewStatusSchema,
  dataset: z.string().optional(),
  tags: z.array(z.string()),
  parentId: z.string().optional(),
  /** Forks: where in the parent's segments this trace was cut (the fork tree shows it). */
  forkAt: TraceSchema.shape.forkAt,
  createdAt: z.number(),
  updatedAt: z.number(),
  version: z.number(),
});
export type TraceSummary = z.infer<typeof TraceSummarySchema>;
