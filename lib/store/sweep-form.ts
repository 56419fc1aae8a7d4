import { z } from "zod";
import { HintSchema, SweepSpecSchema, type Hint, type ModelSettings, type Problem, type SweepCreateBodyInput, type SweepArm, type SweepPoint, type SweepPositions, type SweepSpecInput } from "@/lib/protocol";
import { hintsForProblem } from "@/hints";
import { planSweep, type SweepSource, type TracePoint } from "@/lib/sweeps";

/**
 * The "Start a sweep" dialog's state and what it sends (POST /api/sweeps). The dialog checks the
 * spec with the same schema and planner the server uses, so most mistakes show before sending;
 * the server's message is still shown as is when it refuses.
 */

export interface SweepTextArm {
  title: string;
  text: string;
}

export interface SweepForm {
  type: "hints" | "positions";
  /** Hint sweep: where (a `{segment, offset}` or the i-th pause of the trace). */
  at?: SweepPoint;
  /** Hint sweep: library hints, edited texts, and whether to include `none`. */
  hintIds: string[];
  texts: SweepTextArm[];
  includeNone: boolean;
  /** Position sweep: where, and the one arm (a hint id, or null for `none`). */
  positions: SweepPositions;
  positionHintId: string | null;
  samples: number;
  seed: number;
  temperature?: number;
  concurrency: number;
  name?: string;
}

/** What POST /api/sweeps takes (SweepCreateBodySchema on the server). */
export type SweepRequestBody = SweepCreateBodyInput;

export const SweepCreatedSchema = z.object({ id: z.string().min(1) });

export const MAX_CONCURRENCY = 64;

/** The arms of a hint sweep, in the order the grid shows them: `none` first (the baseline), then hints, then texts. */
export function formArms(form: Pick<SweepForm, "hintIds" | "texts" | "includeNone">): SweepArm[] {
  return [
    ...(form.includeNone ? [{ kind: "none" } as const] : []),
    ...form.hintIds.map((hintId) => ({ kind: "hint", hintId }) as const),
    ...form.texts
      .filter((t) => t.text.trim())
      .map((t) => ({ kind: "text", text: t.text, ...(t.title.trim() ? { title: t.title.trim() } : {}) }) as const),
  ];
}

export function formSpec(traceId: string, form: SweepForm): SweepSpecInput {
  const common = { traceId, samples: form.samples, seed: form.seed, ...(form.temperature !== undefined ? { temperature: form.temperature } : {}) };
  if (form.type === "positions") {
    const arm: SweepArm = form.positionHintId ? { kind: "hint", hintId: form.positionHintId } : { kind: "none" };
    return { type: "positions", ...common, positions: form.positions, arm };
  }
  // An absent point is sent as such: the schema names what is missing.
  return { type: "hints", ...common, at: form.at as SweepPoint, arms: formArms(form) };
}

export type SweepFormCheck = { ok: true; body: SweepRequestBody; items: number; positions: number } | { ok: false; error: string };

/**
 * Validate the form as the server will: the spec schema (its messages are user-facing), the
 * planner against the source trace (a point the engine cannot fork at), and the concurrency.
 */
export function checkSweepForm(traceId: string, form: SweepForm, source: SweepSource | undefined, settings?: ModelSettings): SweepFormCheck {
  if (form.type === "hints" && !form.at) return { ok: false, error: "choose where to sweep: the player's position, a selection, or a pause point" };
  if (!Number.isInteger(form.concurrency) || form.concurrency < 1 || form.concurrency > MAX_CONCURRENCY) {
    return { ok: false, error: `concurrency must be 1 to ${MAX_CONCURRENCY}` };
  }
  const spec = formSpec(traceId, form);
  const parsed = SweepSpecSchema.safeParse(spec);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, error: issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message };
  }
  let items = 0;
  let positions = 1;
  if (source) {
    try {
      const plan = planSweep(parsed.data, source);
      items = plan.items.length;
      positions = plan.positions.length;
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
    if (items === 0) return { ok: false, error: "this trace has no such positions: nothing to sample" };
  }
  const body: SweepRequestBody = {
    spec,
    ...(form.name?.trim() ? { name: form.name.trim() } : {}),
    ...(settings && Object.keys(settings).length ? { settings } : {}),
    concurrency: form.concurrency,
  };
  return { ok: true, body, items, positions };
}

/** POST the sweep; the server's message on refusal (what to fix), the new id on success. */
export async function startSweep(body: SweepRequestBody, fetchFn: typeof fetch = fetch): Promise<{ id: string } | { error: string }> {
  const res = await fetchFn("/api/sweeps", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const json = (await res.json().catch(() => null)) as unknown;
  if (!res.ok) return { error: (json as { error?: { message?: string } } | null)?.error?.message ?? `the server answered ${res.status}` };
  const created = SweepCreatedSchema.safeParse(json);
  return created.success ? { id: created.data.id } : { error: "the server's answer has no sweep id" };
}

/** A short label for a point in the dialog's list of pause points. */
export function pointLabel(p: TracePoint, segments: readonly { text: string }[]): string {
  const text = segments.map((s) => s.text).join("");
  const before = text.slice(Math.max(0, p.textOffset - 40), p.textOffset).replace(/\s+/g, " ");
  const word = p.trigger ? ` «${p.trigger}»` : "";
  return `char ${p.textOffset.toLocaleString("en")}${word}: …${before}`;
}

/** Defaults from the source's sampling settings: its temperature, its seed (0 when it had none). */
export function defaultSampling(sampling: { temperature?: number; seed?: number } | undefined): Pick<SweepForm, "temperature" | "seed"> {
  return { ...(sampling?.temperature !== undefined ? { temperature: sampling.temperature } : {}), seed: sampling?.seed ?? 0 };
}

/** Library hints that fit the source problem (the same filter as the playground's picker). */
export function sweepHints(hints: readonly Hint[], problem: Pick<Problem, "kind" | "starterCode" | "tests">): Hint[] {
  return hintsForProblem(hints, problem);
}

export const HintsResponseSchema = z.object({ hints: z.array(HintSchema) });
