import { describe, expect, it } from "vitest";
import type { SweepOutcome } from "@/lib/protocol";
import { summarizePositions, summarizeSweep } from "./summary";

const outcome = (arm: string, sample: number, correct: boolean | undefined, over: Partial<SweepOutcome> = {}): SweepOutcome => ({
  itemId: `${arm}@${over.position ?? 0}#${sample}`,
  arm,
  position: 0,
  sample,
  ...(correct === undefined ? {} : { correct }),
  ledToCode: false,
  toolCalls: 0,
  toolSuccesses: 0,
  tokens: 100,
  durationMs: 1000,
  ...over,
});

describe("summarizeSweep", () => {
  it("summarises each arm over its graded samples", () => {
    const outs = [
      outcome("hint:a", 0, true, { ledToCode: true, toolCalls: 2, toolSuccesses: 1, tokens: 300, durationMs: 3000 }),
      outcome("hint:a", 1, false, { ledToCode: true, toolCalls: 2, toolSuccesses: 2, tokens: 100, durationMs: 1000 }),
      outcome("hint:a", 2, undefined, { tokens: 200, durationMs: 2000 }),
    ];
    const [a] = summarizeSweep(["hint:a"], outs).arms;
    expect(a).toMatchObject({ arm: "hint:a", n: 3, graded: 2, correct: 1, correctRate: 0.5, meanTokens: 200, meanTimeMs: 2000, toolSuccessRate: 0.75 });
    expect(a!.ledToCodeRate).toBeCloseTo(2 / 3, 12);
    // Wilson 1/2: centre 0.5, half = (1.96/2.9208)·√(0.125 + 3.8416/16) = 0.67105·0.60411 = 0.4054 → [0.0945, 0.9055].
    expect(a!.ci95[0]).toBeCloseTo(0.0945, 4);
    expect(a!.ci95[1]).toBeCloseTo(0.9055, 4);
  });

  it("keeps an arm with no outcomes yet, with nulls and [0, 1]", () => {
    const s = summarizeSweep(["none", "hint:a"], []);
    expect(s.arms.map((a) => [a.arm, a.n, a.correctRate, a.ci95])).toEqual([
      ["none", 0, null, [0, 1]],
      ["hint:a", 0, null, [0, 1]],
    ]);
    expect(s.vsNone).toEqual([{ arm: "hint:a", pairs: 0, bothCorrect: 0, armOnly: 0, noneOnly: 0, bothWrong: 0, pValue: 1, diff: null, diffCi95: null }]);
  });

  it("pairs samples by seed against none: b=8 wins, c=1 loss gives p = 0.0390625", () => {
    const outs: SweepOutcome[] = [];
    // Samples 0–7: hint right, none wrong; 8: none right, hint wrong; 9–10: both right; 11: both wrong.
    for (let k = 0; k < 12; k++) {
      const hint = k < 8 || k === 9 || k === 10;
      const none = k === 8 || k === 9 || k === 10;
      outs.push(outcome("hint:a", k, hint), outcome("none", k, none));
    }
    // Unpaired: sample 12 has no none outcome, sample 13 is ungraded in none.
    outs.push(outcome("hint:a", 12, true), outcome("hint:a", 13, true), outcome("none", 13, undefined));
    const s = summarizeSweep(["none", "hint:a"], outs);
    const [cmp] = s.vsNone;
    expect(cmp).toMatchObject({ arm: "hint:a", pairs: 12, bothCorrect: 2, armOnly: 8, noneOnly: 1, bothWrong: 1 });
    expect(cmp!.pValue).toBeCloseTo(0.0390625, 12);
    expect(cmp!.diff).toBeCloseTo(7 / 12, 12);
    expect(cmp!.diffCi95![0]).toBeGreaterThan(0);
    expect(cmp!.diffCi95![1]).toBeLessThanOrEqual(1);
    // The arm itself counts its unpaired samples: 12 of 14 graded right.
    expect(s.arms.find((a) => a.arm === "hint:a")).toMatchObject({ n: 14, graded: 14, correct: 12 });
  });

  it("counts a re-reported item once", () => {
    const s = summarizeSweep(["none"], [outcome("none", 0, false), outcome("none", 0, true)]);
    expect(s.arms[0]).toMatchObject({ n: 1, correct: 1 });
  });
});

describe("summarizePositions", () => {
  it("gives every position its rate and Wilson interval, empty ones included", () => {
    const outs = [
      outcome("none", 0, true, { position: 0 }),
      outcome("none", 1, true, { position: 0 }),
      outcome("none", 0, false, { position: 2 }),
      outcome("none", 1, undefined, { position: 2 }),
    ];
    const rows = summarizePositions(3, outs);
    expect(rows.map((r) => [r.position, r.n, r.graded, r.correct, r.correctRate])).toEqual([
      [0, 2, 2, 2, 1],
      [1, 0, 0, 0, null],
      [2, 2, 1, 0, 0],
    ]);
    // 2/2: lo = 2/(2 + 3.8416) = 0.3424.
    expect(rows[0]!.ci95[0]).toBeCloseTo(0.3424, 4);
    expect(rows[0]!.ci95[1]).toBe(1);
    expect(rows[1]!.ci95).toEqual([0, 1]);
  });
});
