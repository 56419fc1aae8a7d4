import { describe, expect, it } from "vitest";
import type { ExperimentItem } from "@/lib/protocol";
import { parsePolicyList } from "./policies";
import { BUDGET_SERIES, computeResults, HINT_ROUNDS_SERIES, scalingChart } from "./results";

const POLICIES = parsePolicyList("greedy,paper:rounds=1,paper:rounds=2,paper:rounds=1:p=0.5");

function item(problemId: string, policy: string, sample: number, over: Partial<ExperimentItem> = {}): ExperimentItem {
  return { problemId, problemIdx: Number(problemId.slice(1)), policy, sample, status: "done", traceId: `t-${problemId}-${policy}-${sample}`, verdict: "correct", answer: "1", tokens: 100, toolCalls: 0, hints: [], durationMs: 1000, attempts: 1, error: null, ...over };
}

describe("computeResults", () => {
  it("pass@1 is the mean over problems of the per-problem sample accuracy; with several samples per problem its CI is a bootstrap over problems", () => {
    // Per problem 1, 1/2, 1/2, 1/2 → mean 0.625. Resampling 4 problems: the mean is 0.5 with
    // probability (3/4)^4 = 0.32, ≥ 0.875 with 0.051, 1 with 0.004 → percentiles [0.5, 0.875];
    // with 4 problems that is narrower than Wilson of 0.625 over 4, [0.2194, 0.9081], which is
    // the floor. (Wilson of 5/8 samples, [0.3057, 0.8632], treated a problem's samples as independent.)
    const items = [
      item("p1", "greedy", 0),
      item("p1", "greedy", 1),
      ...["p2", "p3", "p4"].flatMap((p) => [item(p, "greedy", 0, { tokens: 300 }), item(p, "greedy", 1, { verdict: "incorrect", tokens: 300 })]),
    ];
    const r = computeResults(items, POLICIES);
    const g = r.policies[0]!;
    expect(g).toMatchObject({ policy: "greedy", n: 8, problems: 4, graded: 8, correct: 5, pass1: 0.625, meanTokens: 250, toolCallRate: 0, meanTimeMs: 1000 });
    expect(g.ci95![0]).toBeCloseTo(0.2194, 4);
    expect(g.ci95![1]).toBeCloseTo(0.9081, 4);
    expect(g.ciMethod).toBe("bootstrap");
    expect(r.ciMethod).toMatch(/bootstrap over problems/);
    // pass@2 (unbiased): problem 1 → 1, the others 1 − C(1,2)/C(2,2) = 1.
    expect(g.passAtK).toEqual([{ k: 2, value: 1, problems: 4 }]);
  });

  it("40 of 40 correct: the interval's lower bound is below 100% (the normal approximation read 100.0% – 100.0%)", () => {
    const items = Array.from({ length: 40 }, (_, i) => item(`p${i}`, "greedy", 0));
    const g = computeResults(items, POLICIES).policies[0]!;
    expect(g.ciMethod).toBe("wilson"); // one sample per problem
    const [lo, hi] = g.ci95!;
    expect(lo).toBeCloseTo(0.9124, 4); // 40 / (40 + 1.96²)
    expect(lo).toBeLessThan(1);
    expect(hi).toBe(1);
  });

  it("0 of n correct: the upper bound is above 0; 1 of 2 stays inside [0, 1]", () => {
    const none = computeResults([item("p1", "greedy", 0, { verdict: "incorrect" }), item("p2", "greedy", 0, { verdict: "incorrect" })], POLICIES).policies[0]!.ci95!;
    expect(none[0]).toBe(0);
    expect(none[1]).toBeGreaterThan(0.5);
    const half = computeResults([item("p1", "greedy", 0), item("p2", "greedy", 0, { verdict: "incorrect" })], POLICIES).policies[0]!.ci95!;
    expect(half[0]).toBeCloseTo(0.0945, 4);
    expect(half[1]).toBeCloseTo(0.9055, 4);
  });

  it("per model server: done and failed items by the server their trace ran on; the local model lists none", () => {
    const items = [
      item("p1", "greedy", 0, { endpoint: "http://a/v1", tokens: 100 }),
      item("p2", "greedy", 0, { endpoint: "http://a/v1", tokens: 300, durationMs: 3000 }),
      item("p3", "greedy", 0, { endpoint: "http://b/v1", status: "failed", verdict: null }),
      item("p4", "greedy", 0, { endpoint: "http://b/v1", status: "pending", verdict: null }),
    ];
    expect(computeResults(items, POLICIES).endpoints).toEqual([
      { endpoint: "http://a/v1", done: 2, failed: 0, meanTokens: 200, meanTimeMs: 2000 },
      { endpoint: "http://b/v1", done: 0, failed: 1, meanTokens: null, meanTimeMs: null },
    ]);
    expect(computeResults([item("p1", "greedy", 0)], POLICIES).endpoints).toEqual([]);
  });

  it("failed items are counted apart, never as wrong; pending ones not at all", () => {
    const items = [item("p1", "greedy", 0), item("p2", "greedy", 0, { status: "failed", verdict: null, error: "server-error: 500" }), item("p3", "greedy", 0, { status: "pending", verdict: null })];
    expect(computeResults(items, POLICIES).policies[0]).toMatchObject({ n: 1, failed: 1, pass1: 1, problems: 1 });
  });

  it("ungradable answers are counted apart, never as wrong, and leave hint pairings out", () => {
    const items = [
      item("p1", "greedy", 0),
      item("p2", "greedy", 0, { verdict: "ungradable" }),
      item("p3", "greedy", 0, { verdict: "incorrect" }),
      item("p2", "paper:rounds=1", 0, { hints: ["math-general"] }),
    ];
    const r = computeResults(items, POLICIES);
    // Counted as wrong, p2 would make pass@1 1/3; left out, it is 1/2 over the graded problems.
    expect(r.policies[0]).toMatchObject({ n: 3, ungradable: 1, failed: 0, pass1: 0.5 });
    expect(r.hints[0]).toMatchObject({ hint: "math-general", correct: 1, pairedWithGreedy: 0, wrongToRight: 0 });
  });

  it("per hint: led to code, correct, and wrong → right / right → wrong against greedy on the same problem and sample", () => {
    const items = [
      item("p1", "greedy", 0, { verdict: "incorrect" }),
      item("p1", "paper:rounds=1", 0, { hints: ["math-general"], toolCalls: 2 }),
      item("p2", "greedy", 0),
      item("p2", "paper:rounds=1", 0, { hints: ["math-general"], verdict: "incorrect" }),
      item("p3", "greedy", 0, { verdict: "incorrect" }),
      item("p3", "paper:rounds=1", 0, { hints: ["math-check-logic"], toolCalls: 1, verdict: "incorrect" }),
      // No greedy partner for sample 1: counted, but not paired.
      item("p1", "paper:rounds=1", 1, { hints: ["math-general"], toolCalls: 1 }),
    ];
    const hints = computeResults(items, POLICIES).hints;
    expect(hints).toEqual([
      { hint: "math-general", injected: 3, ledToCode: 2, correct: 2, wrongToRight: 1, rightToWrong: 1, pairedWithGreedy: 2 },
      { hint: "math-check-logic", injected: 1, ledToCode: 1, correct: 0, wrongToRight: 0, rightToWrong: 0, pairedWithGreedy: 1 },
    ]);
  });

  it("scaling series: greedy as 0 rounds and paper:rounds=R (trigger-probability policies left out); accuracy vs tokens sorted", () => {
    const items = [
      item("p1", "greedy", 0, { verdict: "incorrect", tokens: 100 }),
      item("p1", "paper:rounds=1", 0, { tokens: 300 }),
      item("p1", "paper:rounds=2", 0, { tokens: 500 }),
      item("p1", "paper:rounds=1:p=0.5", 0, { tokens: 200, verdict: "incorrect" }),
    ];
    const r = computeResults(items, POLICIES);
    expect(r.scaling).toEqual([
      { rounds: 0, policy: "greedy", pass1: 0, meanTokens: 100 },
      { rounds: 1, policy: "paper:rounds=1", pass1: 1, meanTokens: 300 },
      { rounds: 2, policy: "paper:rounds=2", pass1: 1, meanTokens: 500 },
    ]);
    expect(r.accuracyVsTokens.map((p) => p.policy)).toEqual(["greedy", "paper:rounds=1:p=0.5", "paper:rounds=1", "paper:rounds=2"]);
  });

  it("budget forcing is a second series, ordered by budget, and the chart then plots both against mean tokens", () => {
    const policies = parsePolicyList("greedy,paper:rounds=1,budget:min=0,max=4000,budget:min=1000,max=2000,budget:min=500,budget:max=2000,word=Hmm");
    const items = [
      item("p1", "greedy", 0, { verdict: "incorrect", tokens: 100 }),
      item("p1", "paper:rounds=1", 0, { tokens: 300, hints: ["math-general"] }),
      item("p1", "budget:min=0,max=4000", 0, { tokens: 4100 }),
      item("p2", "budget:min=0,max=4000", 0, { tokens: 3900, verdict: "incorrect" }),
      item("p1", "budget:min=1000,max=2000", 0, { tokens: 2100, hints: ["budget-wait"] }),
      item("p1", "budget:max=2000,word=Hmm", 0, { tokens: 1500, verdict: "incorrect" }),
      // budget:min=500 has nothing graded yet.
      item("p1", "budget:min=500", 0, { status: "running", verdict: null }),
    ];
    const r = computeResults(items, policies);
    expect(r.scaling.map((s) => s.policy)).toEqual(["greedy", "paper:rounds=1"]);
    expect(r.budgetScaling).toEqual([
      { policy: "budget:max=2000,word=Hmm", minThinking: 0, maxThinking: 2000, word: "Hmm", pass1: 0, meanTokens: 1500 },
      { policy: "budget:min=1000,max=2000", minThinking: 1000, maxThinking: 2000, word: "Wait", pass1: 1, meanTokens: 2100 },
      { policy: "budget:min=0,max=4000", minThinking: 0, maxThinking: 4000, word: "Wait", pass1: 0.5, meanTokens: 4000 },
      { policy: "budget:min=500", minThinking: 500, maxThinking: null, word: "Wait", pass1: null, meanTokens: null },
    ]);
    const chart = scalingChart(r);
    expect(chart.x).toBe("meanTokens");
    expect(chart.series.map((s) => s.name)).toEqual([HINT_ROUNDS_SERIES, BUDGET_SERIES]);
    expect(chart.series[0]!.points).toEqual([
      { x: 100, y: 0, policy: "greedy", label: "greedy" },
      { x: 300, y: 1, policy: "paper:rounds=1", label: "1 round" },
    ]);
    expect(chart.series[1]!.points).toEqual([
      { x: 1500, y: 0, policy: "budget:max=2000,word=Hmm", label: "≤2000 (Hmm)" },
      { x: 2100, y: 1, policy: "budget:min=1000,max=2000", label: "≥1000 ≤2000" },
      { x: 4000, y: 0.5, policy: "budget:min=0,max=4000", label: "≤4000" },
    ]);
  });

  it("without budget policies the chart is pass@1 against hint rounds, as before", () => {
    const r = computeResults([item("p1", "greedy", 0, { verdict: "incorrect" }), item("p1", "paper:rounds=2", 0)], parsePolicyList("greedy,paper:rounds=2"));
    expect(r.budgetScaling).toEqual([]);
    expect(scalingChart(r)).toEqual({ x: "rounds", series: [{ name: HINT_ROUNDS_SERIES, points: [{ x: 0, y: 0, policy: "greedy", label: "greedy" }, { x: 2, y: 1, policy: "paper:rounds=2", label: "2 rounds" }] }] });
    expect(scalingChart(computeResults([], parsePolicyList("greedy")))).toEqual({ x: "rounds", series: [] });
  });

  it("ungraded traces (code without a grader) do not count towards pass@1", () => {
    const r = computeResults([item("p1", "greedy", 0, { verdict: "ungraded" })], POLICIES).policies[0]!;
    expect(r).toMatchObject({ n: 1, pass1: null, ci95: null });
  });
});

describe("computeResults: each policy against greedy", () => {
  it("pairs items by problem and sample; one sample per problem gives McNemar and Newcombe", () => {
    // 6 problems: greedy right on p0–p1; the hint policy right on p0–p4.
    const items = Array.from({ length: 6 }, (_, i) => [
      item(`p${i}`, "greedy", 0, { verdict: i < 2 ? "correct" : "incorrect" }),
      item(`p${i}`, "paper:rounds=1", 0, { verdict: i < 5 ? "correct" : "incorrect" }),
    ]).flat();
    const r = computeResults(items, POLICIES);
    expect(r.policies.find((p) => p.policy === "greedy")!.vsGreedy).toBeNull();
    const v = r.policies.find((p) => p.policy === "paper:rounds=1")!.vsGreedy!;
    expect(v).toMatchObject({ against: "greedy", pairs: 6, problems: 6, wrongToRight: 3, rightToWrong: 0, test: "mcnemar-exact" });
    expect(v.diff).toBeCloseTo(0.5, 12);
    expect(v.pValue).toBeCloseTo(0.25, 12); // 2 · (½)³
    expect(v.ci95[0]).toBeLessThan(0.5);
    expect(v.ci95[1]).toBeGreaterThan(0.5);
    // A policy with no finished items has nothing to pair.
    expect(r.policies.find((p) => p.policy === "paper:rounds=2")!.vsGreedy).toBeNull();
  });

  it("an ungradable or failed item on either side leaves the pair out", () => {
    const items = [
      item("p0", "greedy", 0),
      item("p0", "paper:rounds=1", 0, { verdict: "ungradable" }),
      item("p1", "greedy", 0, { status: "failed", verdict: null }),
      item("p1", "paper:rounds=1", 0),
      item("p2", "greedy", 0, { verdict: "incorrect" }),
      item("p2", "paper:rounds=1", 0),
    ];
    expect(computeResults(items, POLICIES).policies.find((p) => p.policy === "paper:rounds=1")!.vsGreedy).toMatchObject({ pairs: 1, wrongToRight: 1 });
  });
});

describe("computeResults: code problems", () => {
  it("counts the failed tests of a policy's finished items by reason", () => {
    const items = [
      item("p0", "greedy", 0, { verdict: "incorrect", codeFailures: { "wrong-answer": 1, "not-run": 3 } }),
      item("p1", "greedy", 0, { verdict: "incorrect", codeFailures: { timeout: 1, "not-run": 1 } }),
      item("p2", "greedy", 0, { verdict: "correct" }),
      item("p3", "greedy", 0, { status: "failed", verdict: null, codeFailures: { "runtime-error": 1 } }), // not finished: not counted
    ];
    expect(computeResults(items, POLICIES).policies[0]!.codeFailures).toEqual({ "wrong-answer": 1, timeout: 1, "not-run": 4 });
    expect(computeResults([item("p0", "greedy", 0)], POLICIES).policies[0]!.codeFailures).toEqual({});
  });
});
