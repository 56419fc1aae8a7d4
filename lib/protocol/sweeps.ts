import { z } from "zod";

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
