import { describe, expect, it } from "vitest";
import type { ExperimentItem } from "@/lib/protocol";
import { wilson } from "@/lib/sweeps";
import { ROUNDS_AXIS, TOKENS_AXIS, describePoint, niceStep, policyFamily, scalingChartData, tokensChartData } from "./charts";
import { parsePolicyList } from "./policies";
import { BUDGET_SERIES, computeResults, HINT_ROUNDS_SERIES } from "./results";

function item(problemId: string, policy: string, sample: number, over: Partial<ExperimentItem> = {}): ExperimentItem {
  return { problemId, problemIdx: Number(problemId.slice(1)), policy, sample, status: "done", traceId: `t-${problemId}-${policy}-${sample}`, verdict: "correct", answer: "1", tokens: 100, toolCalls: 0, hints: [], durationMs: 1000, attempts: 1, error: null, ...over };
}

/** Four problems per policy; `wrong` of them answered wrong, every trace `tokens` long. */
function itemsOf(policy: string, wrong: number, tokens: number): ExperimentItem[] {
  return ["p1", "p2", "p3", "p4"].map((p, i) => item(p, policy, 0, { tokens, verdict: i < wrong ? "incorrect" : "correct" }));
}

describe("scalingChartData", () => {
  const policies = parsePolicyList("greedy,paper:rounds=1,paper:rounds=2,paper:rounds=1:p=0.5");
  const results = computeResults([...itemsOf("greedy", 2, 100), ...itemsOf("paper:rounds=2", 0, 300), ...itemsOf("paper:rounds=1", 1, 200), ...itemsOf("paper:rounds=1:p=0.5", 0, 150)], policies);

  it("hint rounds alone: one series on a rounds axis, points by rounds with the Wilson interval of their policy", () => {
    const d = scalingChartData(results);
    expect(d.x).toBe("rounds");
    expect(d.xLabel).toBe(ROUNDS_AXIS);
    expect(d.series.map((s) => [s.key, s.name])).toEqual([["s0", HINT_ROUNDS_SERIES]]);
    const pts = d.series[0]!.points;
    expect(pts.map((p) => [p.x, p.policy, p.label, p.accuracy, p.correct, p.graded])).toEqual([
      [0, "greedy", "greedy", 50, 2, 4],
      [1, "paper:rounds=1", "1 round", 75, 3, 4],
      [2, "paper:rounds=2", "2 rounds", 100, 4, 4],
    ]);
    const [lo, hi] = wilson(2, 4);
    expect(pts[0]!.lo).toBeCloseTo(100 * lo, 10);
    expect(pts[0]!.hi).toBeCloseTo(100 * hi, 10);
    // 4/4: the band does not collapse onto 100%.
    expect(pts[2]!.lo).toBeLessThan(100);
    expect(pts[2]!.hi).toBe(100);
    expect(d.ticks).toEqual([0, 1, 2]);
    expect(d.domain).toEqual([-0.5, 2.5]);
    expect(d.rows.map((r) => [r.x, Object.keys(r.points)])).toEqual([
      [0, ["s0"]],
      [1, ["s0"]],
      [2, ["s0"]],
    ]);
  });

  it("with budget policies: two series on the tokens axis, each point at its policy's mean tokens", () => {
    const ps = parsePolicyList("greedy,paper:rounds=1,budget:min=0,max=150,budget:min=0,max=400");
    const r = computeResults([...itemsOf("greedy", 2, 100), ...itemsOf("paper:rounds=1", 1, 200), ...itemsOf("budget:min=0,max=150", 1, 150), ...itemsOf("budget:min=0,max=400", 0, 200)], ps);
    const d = scalingChartData(r);
    expect(d.x).toBe("meanTokens");
    expect(d.xLabel).toBe(TOKENS_AXIS);
    expect(d.series.map((s) => s.name)).toEqual([HINT_ROUNDS_SERIES, BUDGET_SERIES]);
    expect(d.series[1]!.points.map((p) => [p.x, p.label, p.accuracy])).toEqual([
      [150, "≤150", 75],
      [200, "≤400", 100],
    ]);
    // paper:rounds=1 and the 400 budget both average 200 tokens: one row holds both for the hover.
    expect(d.rows.find((row) => row.x === 200)!.points).toMatchObject({ s0: { policy: "paper:rounds=1" }, s1: { policy: "budget:min=0,max=400" } });
    // 100–200 tokens with 8% room each side (92–208), ticked every 50 (a quarter of that is 29): 50 … 250.
    expect(d.domain).toEqual([50, 250]);
    expect(d.ticks).toEqual([50, 100, 150, 200, 250]);
  });

  it("nothing graded yet: no series and no rows", () => {
    const d = scalingChartData(computeResults([item("p1", "greedy", 0, { status: "pending", verdict: null })], policies));
    expect(d.series).toEqual([]);
    expect(d.rows).toEqual([]);
  });
});

describe("tokensChartData", () => {
  it("one series per policy family, greedy with the hint rounds, policies without a graded item left out", () => {
    const policies = parsePolicyList("greedy,paper:rounds=1,paper:rounds=1:p=0.5,paper:rounds=1:p=0.25,budget:min=0,max=400");
    const r = computeResults(
      [...itemsOf("greedy", 2, 100), ...itemsOf("paper:rounds=1", 1, 300), ...itemsOf("paper:rounds=1:p=0.5", 0, 250), ...itemsOf("paper:rounds=1:p=0.25", 1, 180), item("p1", "budget:min=0,max=400", 0, { status: "failed", verdict: null })],
      policies,
    );
    const d = tokensChartData(r, policies);
    expect(d.series.map((s) => [s.name, s.points.map((p) => [p.x, p.policy])])).toEqual([
      [
        HINT_ROUNDS_SERIES,
        [
          [100, "greedy"],
          [300, "paper:rounds=1"],
        ],
      ],
      [
        "Hint with probability (paper:p=P)",
        [
          [180, "paper:rounds=1:p=0.25"],
          [250, "paper:rounds=1:p=0.5"],
        ],
      ],
    ]);
  });

  it("one x only: the domain is widened around it", () => {
    const policies = parsePolicyList("greedy");
    const d = tokensChartData(computeResults(itemsOf("greedy", 0, 500), policies), policies);
    expect(d.domain[0]).toBeLessThan(500);
    expect(d.domain[1]).toBeGreaterThan(500);
  });
});

describe("niceStep", () => {
  it("1, 2 or 5 × 10ⁿ, never below one token", () => {
    expect([0.3, 1, 1.5, 3, 7, 12, 222, 4000].map(niceStep)).toEqual([1, 1, 2, 5, 10, 20, 500, 5000]);
  });
});

describe("policyFamily and describePoint", () => {
  it("fixed hints and unknown labels are their own families", () => {
    const [fixed] = parsePolicyList("paper:rounds=1:hint=math-general");
    expect(policyFamily(fixed!.policy, fixed!.label)).toBe("Fixed hint (paper:hint=math-general)");
    expect(policyFamily(undefined, "gone")).toBe("gone");
  });

  it("the hover says the exact values", () => {
    expect(describePoint({ x: 1, policy: "greedy", label: "greedy", accuracy: 62.5, lo: 30.57, hi: 86.32, correct: 5, graded: 8, meanTokens: 1234.4 })).toBe(
      "pass@1 62.5% (95% CI 30.6%–86.3%) · 5/8 correct · 1,234 mean tokens",
    );
  });
});
