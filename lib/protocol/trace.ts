import { z } from "zod";

/** A problem to solve. `statement` is what the user asked; templates add the instructions. */
export const ProblemTestSchema = z.object({
  input: z.string(),
  output: z.string(),
  type: z.enum(["stdin", "functional"]),
});
export type ProblemTest = z.infer<typeof ProblemTestSchema>;

export const ProblemKindSchema = z.enum(["math", "code", "free"]);
export type ProblemKind = z.infer<typeof ProblemKindSchema>;

export const ProblemSchema = z.object({
  id: z.string().min(1),
  kind: ProblemKindSchema,
  statement: z.string().min(1, "the problem statement is empty"),
  gold: z.string().optional(),
  tests: z.array(ProblemTestSchema).optional(),
  starterCode: z.string().optional(),
  source: z.string().optional(),
});
export type Problem = z.infer<typeof ProblemSchema>;

export const TEMPLATE_IDS = ["qwq", "qwen3", "deepseek-r1", "raw"] as const;
export const TemplateIdSchema = z.enum(TEMPLATE_IDS);
export type TemplateId = z.infer<typeof TemplateIdSchema>;

export const SamplingSchema = z.object({
  temperature: z.number().min(0).max(2).optional(),
  topP: z.number().gt(0).max(1).optional(),
  seed: z.number().int().optional(),
  maxTokens: z.number().int().positive().max(1_000_000),
});
export type Sampling = z.infer<typeof SamplingSchema>;

/** Where the engine may pause. `manual` asks the user; the others decide by themselves. */
export const PolicySchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("manual"),
    pauseAtTriggers: z.boolean(),
    pauseAtEndOfThinking: z.boolean(),
  }),
  z.object({ type: z.literal("greedy") }),
  z.object({
    type: z.literal("paper"),
    /** End-of-thinking injections (the paper's sequential test-time scaling rounds). */
    rounds: z.number().int().min(0).max(64),
    /** Probability of injecting at each trigger occurrence (0 = never). */
    triggerProb: z.number().min(0).max(1).default(0),
    /** Fixed hint id; otherwise one is drawn (seeded) from the hints of the problem kind. */
    hintId: z.string().optional(),
  }),
  z.object({
    type: z.literal("budget"),
    /**
     * s1's budget forcing, counted in thinking tokens (completion tokens of the streams that began
     * while thinking was open; see lib/engine/README.md). Below `minThinking` an end of thinking
     * is suppressed and `word` appended; at `maxThinking` the marker is forced. No max: no cap.
     */
    minThinking: z.number().int().min(0).max(1_000_000).default(0),
    maxThinking: z.number().int().min(1).max(1_000_000).optional(),
    /** Appended (as a hint segment) where the model tried to end its thinking too early. */
    word: z.string().min(1).max(40).default("Wait"),
  }),
]);
export type Policy = z.infer<typeof PolicySchema>;

export const ProviderKindSchema = z.enum(["openai-completions", "openai-chat", "ollama", "lmstudio", "local", "scripted"]);
export type ProviderKind = z.infer<typeof ProviderKindSchema>;

/** Everything needed to reproduce a trace. */
export const TraceConfigSchema = z.object({
  provider: ProviderKindSchema,
  /** The server's connection the trace ran on (its id); `baseUrl` records where that was. */
  connection: z.string().optional(),
  baseUrl: z.string().optional(),
  /**
   * With several servers of the model (lib/providers/endpoint-pool.ts), `baseUrl` is the one that
   * served the trace's last request, and this lists every one that served a request, in order,
   * when there were several (a failover, or a full server).
   */
  endpoints: z.array(z.string()).optional(),
  model: z.string(),
  template: TemplateIdSchema,
  sampling: SamplingSchema,
  /** Trigger words/phrases; `/regex/flags` entries are regular expressions. */
  triggers: z.array(z.string().min(1)),
  policy: PolicySchema,
  maxToolCalls: z.number().int().min(0).max(100),
  toolTimeoutMs: z.number().int().positive(),
  maxOutputChars: z.number().int().positive(),
  hintLibraryVersion: z.string(),
  /** Seed for the engine's own random decisions (trigger probability, hint draw). */
  policySeed: z.number().int(),
});
export type TraceConfig = z.infer<typeof TraceConfigSchema>;

export const SEGMENT_KINDS = ["prompt", "model", "hint", "tool_output", "edit"] as const;
export const SegmentKindSchema = z.enum(SEGMENT_KINDS);
export type SegmentKind = z.infer<typeof SegmentKindSchema>;

/**
 * Where a run paused. "resume": a stored trace reopened (interrupted or forked) at its end.
 * "thinking-budget": the budget policy forced the end-of-thinking marker at its maximum (an
 * injection without a pause; it appears on hint segments and `hint-injected` events only).
 */
export const PauseReasonSchema = z.enum(["trigger", "end-of-thinking", "resume", "thinking-budget"]);
export type PauseReason = z.infer<typeof PauseReasonSchema>;

export const SegmentSchema = z.object({
  id: z.string(),
  kind: SegmentKindSchema,
  text: z.string(),
  /** hint segments: which hint, why and where it was injected. */
  hintId: z.string().optional(),
  reason: PauseReasonSchema.optional(),
  /** hint segments injected at a trigger: the trigger that was replaced. */
  trigger: z.string().optional(),
  /** edit segments: the model text this replaces. */
  original: z.string().optional(),
  /**
   * Stored edit segments (a fork continued from an edit, see TraceStore.fork): the edit they
   * come from (its id on the parent trace) and who wrote it. The derived edited view leaves them out.
   */
  editId: z.string().optional(),
  author: z.string().optional(),
});
export type Segment = z.infer<typeof SegmentSchema>;

export const UsageSchema = z.object({
  promptTokens: z.number().int().optional(),
  completionTokens: z.number().int().optional(),
  cachedTokens: z.number().int().optional(),
});
export type Usage = z.infer<typeof UsageSchema>;

export const FinishReasonSchema = z.enum(["stop", "length", "eos", "abort"]);
export type FinishReason = z.infer<typeof FinishReasonSchema>;

/**
 * `ungraded`: nothing to grade against (no gold, no tests). `ungradable`: there was, but the
 * grader could not decide (the answer hit the per-pair time limit or is too large to compare);
 * it is neither right nor wrong and results count it apart. Older traces never hold it.
 */
export const VerdictSchema = z.enum(["correct", "incorrect", "ungraded", "ungradable"]);
export type Verdict = z.infer<typeof VerdictSchema>;
/** Why an answer was `ungradable`. */
export const UngradableReasonSchema = z.enum(["time limit", "too complex", "grader error"]);
export type UngradableReason = z.infer<typeof UngradableReasonSchema>;

const at = { at: z.number() };
/** The append-only log of a trace. Names are past-tense facts. */
export const TraceEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("run-started"), ...at }),
  z.object({ type: z.literal("stream-started"), ...at, streamId: z.string(), promptChars: z.number() }),
  z.object({
    type: z.literal("stream-ended"),
    ...at,
    streamId: z.string(),
    finishReason: FinishReasonSchema,
    matchedStop: z.string().optional(),
    usage: UsageSchema.optional(),
    chars: z.number(),
    durationMs: z.number(),
  }),
  z.object({ type: z.literal("trigger-seen"), ...at, word: z.string(), offset: z.number() }),
  z.object({ type: z.literal("paused"), ...at, reason: PauseReasonSchema, word: z.string().optional(), offset: z.number() }),
  z.object({ type: z.literal("resumed"), ...at, withHint: z.boolean() }),
  z.object({
    type: z.literal("hint-injected"),
    ...at,
    hintId: z.string(),
    reason: PauseReasonSchema,
    offset: z.number(),
    decidedBy: z.enum(["user", "policy"]),
    round: z.number().optional(),
  }),
  z.object({
    type: z.literal("code-executed"),
    ...at,
    code: z.string(),
    stdout: z.string(),
    stderr: z.string(),
    error: z.string().optional(),
    timedOut: z.boolean(),
    truncated: z.boolean(),
    durationMs: z.number(),
  }),
  z.object({ type: z.literal("code-skipped"), ...at, reason: z.string() }),
  z.object({ type: z.literal("run-finished"), ...at, reason: z.enum(["eos", "length", "stopped", "failed"]) }),
  z.object({ type: z.literal("error"), ...at, code: z.string(), message: z.string() }),
  z.object({ type: z.literal("answer-graded"), ...at, answer: z.string().optional(), verdict: VerdictSchema, reason: UngradableReasonSchema.optional() }),
]);
export type TraceEvent = z.infer<typeof TraceEventSchema>;

export const TraceStatusSchema = z.enum(["idle", "generating", "paused", "executing", "finished", "stopped", "failed", "interrupted"]);
export type TraceStatus = z.infer<typeof TraceStatusSchema>;


export const REVIEW_STATUSES = ["unreviewed", "accepted", "rejected", "needs-work"] as const;
export const ReviewStatusSchema = z.enum(REVIEW_STATUSES);
export type ReviewStatus = z.infer<typeof ReviewStatusSchema>;

export const ReviewSchema = z.object({
  status: ReviewStatusSchema,
  note: z.string().max(10_000).optional(),
  author: z.string().optional(),
  at: z.number().optional(),
});
export type Review = z.infer<typeof ReviewSchema>;

/** A span of one segment: [start, end) in that segment's text. */
const SpanFields = {
  segment: z.number().int().min(0),
  start: z.number().int().min(0),
  end: z.number().int().min(0),
};

/** A labelled span of model text (e.g. "unreasonable") with a comment. */
export const AnnotationSchema = z.object({
  id: z.string(),
  ...SpanFields,
  label: z.string().min(1).max(100),
  comment: z.string().max(10_000).default(""),
  author: z.string().min(1),
  createdAt: z.number(),
});
export type Annotation = z.infer<typeof AnnotationSchema>;

/**
 * An annotator's replacement of a span of a `model` segment. The original segments are never
 * changed: the edited view (with `edit` segments) is derived from segments + edits.
 */
export const EditSchema = z.object({
  id: z.string(),
  ...SpanFields,
  original: z.string(),
  replacement: z.string(),
  author: z.string().min(1),
  createdAt: z.number(),
});
export type Edit = z.infer<typeof EditSchema>;

/**
 * A fork branched from an alternative token: the model's own text up to `forkAt` is followed
 * by `text` (another of its top candidates at that token) instead of the token it sampled,
 * `replaced`. The alternative is part of the fork's model text, right at `forkAt.offset`.
 */
export const ForkAlternativeSchema = z.object({
  text: z.string().min(1, "the alternative token is empty").max(200, "an alternative token is at most 200 characters"),
  /** Its log-probability at that position, as the parent trace recorded it. */
  logprob: z.number().max(0).optional(),
  /** The token the parent had there. */
  replaced: z.string().max(200).optional(),
});
export type ForkAlternative = z.infer<typeof ForkAlternativeSchema>;

/**
 * A fork continued from an edit ("continue from here"): the parent's edited text up to the end of
 * edit `id` (by `author`), which the model then goes on from; `forkAt.offset` is that end.
 */
export const ForkEditSchema = z.object({ id: z.string().min(1), author: z.string() });
export type ForkEdit = z.infer<typeof ForkEditSchema>;

export const ForkAtSchema = z.object({
  segment: z.number().int(),
  offset: z.number().int(),
  alternative: ForkAlternativeSchema.optional(),
  edit: ForkEditSchema.optional(),
});
export type ForkAt = z.infer<typeof ForkAtSchema>;

export const TraceSchema = z.object({
  id: z.string(),
  problem: ProblemSchema,
  parentId: z.string().optional(),
  forkAt: ForkAtSchema.optional(),
  config: TraceConfigSchema,
  segments: z.array(SegmentSchema),
  events: z.array(TraceEventSchema),
  status: TraceStatusSchema,
  answer: z.string().optional(),
  verdict: VerdictSchema.optional(),
  review: ReviewSchema.optional(),
  annotations: z.array(AnnotationSchema).optional(),
  edits: z.array(EditSchema).optional(),
  dataset: z.string().optional(),
  tags: z.array(z.string()).optional(),
  version: z.number().int(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type Trace = z.infer<typeof TraceSchema>;
