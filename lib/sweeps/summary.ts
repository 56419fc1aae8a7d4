import type { SweepOutcome } from "@/lib/protocol";
import { mcnemarExact, newcombePairedDiff, wilson } from "./stats";

/** One arm (at one position) over its samples. Rates are null when nothing counts towards them. */
export interface ArmSummary {
  arm: string;
  /** Outcomes (finished items), and those graded right or wrong (the rest are ungraded/ungradable). */
  n: number;
  graded: number;
  correct: number;
  correctRate: number | null;
  /** Wilson 95% interval of correct / graded ([0, 1] when nothing is graded). */
  ci95: [number, number];
  ledToCodeRate: number | null;
  /** Successful tool calls / tool calls, over all samples. */
  toolSuccessRate: number | null;
  meanTokens: number | null;
  meanTimeMs: number | null;
}

/** An arm against the `none` arm, over samples of the same seed where both were graded. */
export interface PairedComparison {
  arm: string;
  pairs: number;
  /** Both right, only this arm right, only `none` right, both wrong. */
  bothCorrect: number;
  armOnly: number;
  noneOnly: number;
  bothWrong: number;
  /** Exact McNemar p (two-sided binomial on armOnly vs noneOnly); 1 without discordant pairs. */
  pValue: number;
  /** Correct rate of the arm minus that of `none` on the pairs, and its 95% CI (Newcombe method 10). */
  diff: number | null;
  diffCi95: [number, number] | null;
}

export interface SweepSummary {
  ciMethod: "Wilson score 95%";
  diffMethod: "exact McNemar; Newcombe hybrid score 95% (method 10) for the paired difference";
  arms: ArmSummary[];
  /** Every arm but `none` against `none`; empty when the sweep has no `none` arm. */
  vsNone: PairedComparison[];
}

export interface PositionSummary {
  position: number;
  n: number;
  graded: number;
  correct: number;
  correctRate: number | null;
  ci95: [number, number];
}

const mean = (xs: readonly number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

export function summarizeArm(arm: string, outcomes: readonly SweepOutcome[]): ArmSummary {
  const graded = outcomes.filter((o) => o.correct !== undefined);
  const correct = graded.filter((o) => o.correct).length;
  const toolCalls = outcomes.reduce((n, o) => n + o.toolCalls, 0);
  return {
    arm,
    n: outcomes.length,
    graded: graded.length,
    correct,
    correctRate: graded.length ? correct / graded.length : null,
    ci95: wilson(correct, graded.length),
    ledToCodeRate: mean(outcomes.map((o) => (o.ledToCode ? 1 : 0))),
    toolSuccessRate: toolCalls ? outcomes.reduce((n, o) => n + o.toolSuccesses, 0) / toolCalls : null,
    meanTokens: mean(outcomes.map((o) => o.tokens)),
    meanTimeMs: mean(outcomes.map((o) => o.durationMs)),
  };
}

/**
 * Pairs are samples with the same index (so the same seed) at the same position, graded in both
 * arms; a sample missing or ungraded on either side drops out of the comparison, not of the arm.
 */
export function compareWithNone(arm: string, outcomes: readonly SweepOutcome[], none: readonly SweepOutcome[]): PairedComparison {
  const key = (o: SweepOutcome) => `${o.position}#${o.sample}`;
  const base = new Map<string, boolean>();
  for (const o of none) if (o.correct !== undefined) base.set(key(o), o.correct);
  let bothCorrect = 0;
  let armOnly = 0;
  let noneOnly = 0;
  let bothWrong = 0;
  for (const o of outcomes) {
    const b = base.get(key(o));
    if (o.correct === undefined || b === undefined) continue;
    if (o.correct && b) bothCorrect++;
    else if (o.correct) armOnly++;
    else if (b) noneOnly++;
    else bothWrong++;
  }
  const paired = newcombePairedDiff(bothCorrect, armOnly, noneOnly, bothWrong);
  return {
    arm,
    pairs: bothCorrect + armOnly + noneOnly + bothWrong,
    bothCorrect,
    armOnly,
    noneOnly,
    bothWrong,
    pValue: mcnemarExact(armOnly, noneOnly),
    diff: paired?.diff ?? null,
    diffCi95: paired?.ci ?? null,
  };
}

/**
 * The outcome grid of a hint sweep: per arm (in `arms` order, then any other arm seen), and each
 * arm against `none`. Outcomes carry their arm key; duplicates of an item id count once.
 */
export function summarizeSweep(arms: readonly string[], outcomes: readonly SweepOutcome[]): SweepSummary {
  const byArm = new Map<string, SweepOutcome[]>(arms.map((a) => [a, []]));
  for (const o of dedupe(outcomes)) {
    if (!byArm.has(o.arm)) byArm.set(o.arm, []);
    byArm.get(o.arm)!.push(o);
  }
  const none = byArm.get("none");
  return {
    ciMethod: "Wilson score 95%",
    diffMethod: "exact McNemar; Newcombe hybrid score 95% (method 10) for the paired difference",
    arms: [...byArm].map(([arm, os]) => summarizeArm(arm, os)),
    vsNone: none ? [...byArm].filter(([arm]) => arm !== "none").map(([arm, os]) => compareWithNone(arm, os, none)) : [],
  };
}

/** A position sweep: correct rate and Wilson CI per position, for `positions` points (0…positions−1). */
export function summarizePositions(positions: number, outcomes: readonly SweepOutcome[]): PositionSummary[] {
  const rows = Array.from({ length: positions }, (_, position) => ({ position, n: 0, graded: 0, correct: 0 }));
  for (const o of dedupe(outcomes)) {
    const row = rows[o.position];
    if (!row) continue;
    row.n++;
    if (o.correct === undefined) continue;
    row.graded++;
    if (o.correct) row.correct++;
  }
  return rows.map((r) => ({ ...r, correctRate: r.graded ? r.correct / r.graded : null, ci95: wilson(r.correct, r.graded) }));
}

/** A retried or re-reported item must not count twice: the last outcome of an id wins. */
function dedupe(outcomes: readonly SweepOutcome[]): SweepOutcome[] {
  return [...new Map(outcomes.map((o) => [o.itemId, o])).values()];
}
