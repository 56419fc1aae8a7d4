import { z } from "zod";
import { ExperimentStatusSchema, ExperimentSummarySchema, ItemStatusSchema } from "./experiments";
import { ModelSettingsSchema } from "./generate";

/**
 * Sweeps (issue 11): from one point of a stored trace, K samples per hint arm, each continued to
 * the end and graded; or one arm over many points of the trace (a position sweep). Sample k of
 * every arm and every position uses seed `seed + k`, so arms are paired by seed.
 */

/** A point of the source trace: a char offset in one segment, or the i-th `paused` event (0-based). */
export const SweepPointSchema = z.union([
  z.object({
    segment: z.number().int().min(0, "segment must be 0 or more"),
    offset: z.number().int().min(0, "offset must be 0 or more"),
  }),
  z.object({ pause: z.number().int().min(0, "pause must be the 0-based index of a paused event") }),
]);
export type SweepPoint = z.infer<typeof SweepPointSchema>;

/** What is injected at the point: a Hint-Library hint, an edited text, or nothing (`none`: the model goes on as it would). */
export const SweepArmSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("hint"),
    // The Hint-Library id grammar: it keeps item ids (`hint:<id>@<position>#<sample>`) unambiguous.
    hintId: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "a hint arm needs a Hint-Library id (lower-case letters, digits and dashes)"),
  }),
  z.object({
    kind: z.literal("text"),
    text: z.string().min(1, "a text arm needs the text to inject").max(20_000, "a text arm is at most 20,000 characters"),
    /** Shown in the grid; the arm's key is derived from the text, not from this. */
    title: z.string().max(200).optional(),
  }),
  z.object({ kind: z.literal("none") }),
]);
export type SweepArm = z.infer<typeof SweepArmSchema>;

const common = {
  traceId: z.string().min(1, "the source trace id is required"),
  samples: z.number().int().min(1, "samples must be 1 to 256").max(256, "samples must be 1 to 256").default(8),
  /** Sample k uses seed + k, the same in every arm and position. */
  seed: z.number().int().default(0),
  temperature: z.number().min(0).max(2).optional(),
};

/** Where a position sweep injects: every trigger occurrence in model text, or every k-th sentence boundary. */
export const SweepPositionsSchema = z.union([
  z.literal("triggers"),
  z.object({ sentences: z.number().int().min(1, "sentences: k must be 1 or more").max(10_000) }),
]);
export type SweepPositions = z.infer<typeof SweepPositionsSchema>;

/** Identity of an arm: two arms with the same key would be the same cells twice. */
export function sweepArmKey(arm: SweepArm): string {
  if (arm.kind === "none") return "none";
  if (arm.kind === "hint") return `hint:${arm.hintId}`;
  return `text:${fnv1a(arm.text)}`;
}

/** FNV-1a 32-bit, hex: a short stable key for a custom text (not a security hash). */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

export const SweepSpecSchema = z.discriminatedUnion(
  "type",
  [
    z.object({
      type: z.literal("hints"),
      ...common,
      at: SweepPointSchema,
      arms: z.array(SweepArmSchema).min(1, "a sweep needs at least one arm").max(32, "a sweep has at most 32 arms"),
    }),
    z.object({
      type: z.literal("positions"),
      ...common,
      positions: SweepPositionsSchema,
      /** The one arm injected at every position (`none` measures where the model alone goes right). */
      arm: SweepArmSchema,
    }),
  ],
  { error: 'a sweep spec needs type "hints" (arms at one point) or "positions" (one arm at many points)' },
).superRefine((spec, ctx) => {
  if (spec.type !== "hints") return;
  const seen = new Map<string, number>();
  spec.arms.forEach((arm, i) => {
    const key = sweepArmKey(arm);
    const first = seen.get(key);
    if (first !== undefined) ctx.addIssue({ code: "custom", path: ["arms", i], message: `arm ${i} repeats arm ${first} (${key})` });
    else seen.set(key, i);
  });
});
export type SweepSpecInput = z.input<typeof SweepSpecSchema>;
export type SweepSpec = z.infer<typeof SweepSpecSchema>;

/**
 * The graded result of one sweep item. `correct` is undefined when the answer could not be
 * graded (ungraded, ungradable); failed items have no outcome at all.
 */
export const SweepOutcomeSchema = z.object({
  itemId: z.string(),
  arm: z.string(),
  position: z.number().int().min(0),
  sample: z.number().int().min(0),
  correct: z.boolean().optional(),
  ledToCode: z.boolean(),
  toolCalls: z.number().int().min(0),
  toolSuccesses: z.number().int().min(0),
  tokens: z.number().min(0),
  durationMs: z.number().min(0),
});
export type SweepOutcome = z.infer<typeof SweepOutcomeSchema>;

// ---- The HTTP contract of sweeps (POST /api/sweeps, GET /api/sweeps/:id, …/cancel, …/resume) ----

/**
 * Body of POST /api/sweeps. `settings` picks the model among the server's connections (never a
 * URL: see ModelSettingsSchema); without it, the source trace's own provider, model and template
 * are used. `maxTokens` caps each sample's completion (default: the source trace's).
 */
export const SweepCreateBodySchema = z.object({
  spec: SweepSpecSchema,
  name: z.string().min(1).max(200).optional(),
  settings: ModelSettingsSchema.optional(),
  concurrency: z.number().int().min(1, "concurrency must be 1 to 64").max(64, "concurrency must be 1 to 64").optional(),
  maxTokens: z.number().int().positive().max(1_000_000).optional(),
});
export type SweepCreateBody = z.infer<typeof SweepCreateBodySchema>;
export type SweepCreateBodyInput = z.input<typeof SweepCreateBodySchema>;

const Ci95Schema = z.tuple([z.number(), z.number()]);

/** lib/sweeps `summarizeArm`: one arm over its finished samples (rates null when nothing counts). */
export const SweepArmSummarySchema = z.object({
  arm: z.string(),
  n: z.number().int(),
  graded: z.number().int(),
  correct: z.number().int(),
  correctRate: z.number().nullable(),
  ci95: Ci95Schema,
  ledToCodeRate: z.number().nullable(),
  toolSuccessRate: z.number().nullable(),
  meanTokens: z.number().nullable(),
  meanTimeMs: z.number().nullable(),
});

/** lib/sweeps `compareWithNone`: an arm against `none` on samples of the same seed graded in both. */
export const SweepPairedComparisonSchema = z.object({
  arm: z.string(),
  pairs: z.number().int(),
  bothCorrect: z.number().int(),
  armOnly: z.number().int(),
  noneOnly: z.number().int(),
  bothWrong: z.number().int(),
  pValue: z.number(),
  diff: z.number().nullable(),
  diffCi95: Ci95Schema.nullable(),
});

/** lib/sweeps `summarizeSweep`. */
export const SweepSummarySchema = z.object({
  ciMethod: z.string(),
  diffMethod: z.string(),
  arms: z.array(SweepArmSummarySchema),
  vsNone: z.array(SweepPairedComparisonSchema),
});
export type SweepSummaryView = z.infer<typeof SweepSummarySchema>;

/** lib/sweeps `summarizePositions`: one row per position (empty positions included). */
export const SweepPositionSummarySchema = z.object({
  position: z.number().int(),
  n: z.number().int(),
  graded: z.number().int(),
  correct: z.number().int(),
  correctRate: z.number().nullable(),
  ci95: Ci95Schema,
});

/** One planned run: arm at position, sample k (seed = spec.seed + k). `outcome` once done; `error` once failed. */
export const SweepItemViewSchema = z.object({
  id: z.string(),
  arm: z.string(),
  position: z.number().int(),
  sample: z.number().int(),
  seed: z.number().int(),
  status: ItemStatusSchema,
  /** The sample's trace (tags `sweep:<id>`, `sweep:<id>:<arm>`, `sweep:<id>:<arm>@<position>`); a failed item keeps its last attempt's. */
  traceId: z.string().optional(),
  error: z.string().optional(),
  attempts: z.number().int().optional(),
  outcome: SweepOutcomeSchema.optional(),
  /** The model server the sample's trace ran on (several servers of one model: issue 14). */
  endpoint: z.string().optional(),
});
export type SweepItemView = z.infer<typeof SweepItemViewSchema>;

/**
 * Tokens a sweep cost, summed over its samples' model requests. `cachedTokens`: prompt tokens
 * the server reported as served from its prefix cache (`usage.prompt_tokens_details.cached_tokens`;
 * 0 where it reports none). `prefixTokens`: the shared prefix's prompt tokens (the first
 * request of a sample). `tokensEvaluated`: tokens the local model actually evaluated (its
 * meter; absent on remote servers) — compare it with prefix + Σ continuation.
 */
export const SweepCostSchema = z.object({
  promptTokens: z.number().int(),
  cachedTokens: z.number().int(),
  completionTokens: z.number().int(),
  prefixTokens: z.number().int().optional(),
  tokensEvaluated: z.number().int().optional(),
});
export type SweepCost = z.infer<typeof SweepCostSchema>;

export const SweepProgressSchema = z.object({
  total: z.number().int(),
  done: z.number().int(),
  failed: z.number().int(),
  running: z.number().int(),
  pending: z.number().int(),
});

/** GET /api/sweeps/:id. `summary` for a hint sweep, `positionSummary` for a position sweep (the other is null). */
export const SweepViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.literal("sweep"),
  status: ExperimentStatusSchema,
  spec: SweepSpecSchema,
  /** In plan order; `label` is for people (the hint's label, a text arm's title, "no hint"). */
  arms: z.array(z.object({ key: z.string(), label: z.string() })),
  /** Points of the source trace; `textOffset` counts all segments (prompt included). `label`: the trigger word, or "sentence N". */
  positions: z.array(z.object({ segment: z.number().int(), offset: z.number().int(), textOffset: z.number().int(), label: z.string().optional() })),
  progress: SweepProgressSchema,
  items: z.array(SweepItemViewSchema),
  summary: SweepSummarySchema.nullable(),
  positionSummary: z.array(SweepPositionSummarySchema).nullable(),
  cost: SweepCostSchema,
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type SweepView = z.infer<typeof SweepViewSchema>;

/** A sweep in GET /api/experiments (next to the dataset experiments, `kind: "sweep"`). */
export const SweepListEntrySchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.literal("sweep"),
  status: ExperimentStatusSchema,
  spec: SweepSpecSchema,
  /** The source trace (= spec.traceId). */
  traceId: z.string(),
  progress: SweepProgressSchema.extend({ tokensPerSec: z.number().nullable(), etaSec: z.number().nullable() }),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type SweepListEntry = z.infer<typeof SweepListEntrySchema>;

/** Tags of a sweep's sample traces: the whole sweep, one arm (a grid column), one cell (arm at a position). */
export function sweepTags(sweepId: string, arm: string, position: number): string[] {
  return [`sweep:${sweepId}`, `sweep:${sweepId}:${arm}`, `sweep:${sweepId}:${arm}@${position}`];
}

/** One row of GET /api/experiments: a dataset experiment or a sweep, told apart by `kind`. */
export const ExperimentListEntrySchema = z.union([SweepListEntrySchema, ExperimentSummarySchema]);
export type ExperimentListEntry = z.infer<typeof ExperimentListEntrySchema>;
