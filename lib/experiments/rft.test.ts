import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { ExperimentItem, Segment, TraceEvent } from "@/lib/protocol";
import { DEFAULT_RFT_OPTIONS, repetition, selectRft } from "./rft";

const traces = readFileSync(path.resolve(import.meta.dirname, "../../e2e/fixtures/data/r1-distill-math-40.jsonl"), "utf8")
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l) as { id: string; completion: string; is_correct: boolean });
const model = (text: string): Segment[] => [{ id: "s1", kind: "model", text }];

describe("repetition detector", () => {
  it("keeps every correct real R1 trace and flags the real one that loops", () => {
    for (const t of traces.filter((x) => x.is_correct)) expect(repetition(model(t.completion)).score, t.id).toBeLessThanOrEqual(DEFAULT_RFT_OPTIONS.maxRepetition);
    // This recorded trace repeats one paragraph 7 times before giving a wrong answer.
    const looping = traces.find((t) => t.id === "deepseek-r1-distill-qwen-14b/problem_6998/incorrect")!;
    const r = repetition(model(looping.completion));
    expect(r.maxParagraphRepeats).toBe(7);
    expect(r.score).toBeGreaterThan(DEFAULT_RFT_OPTIONS.maxRepetition);
    const flagged = traces.filter((t) => repetition(model(t.completion)).score > DEFAULT_RFT_OPTIONS.maxRepetition).map((t) => t.id);
    expect(flagged).toEqual([looping.id]);
  });
  it("ignores hint and tool-output text", () => {
    const hint: Segment = { id: "h", kind: "hint", text: "Wait, use Python.\n```python\n".repeat(50) };
    expect(repetition([hint, ...model("A short, varied answer with no loops at all in it.")]).score).toBe(0);
  });
});

describe("selectRft", () => {
  const item = (problemId: string, idx: number, policy: string, sample: number, verdict: "correct" | "incorrect", tokens = 1000, traceId = `${problemId}-${policy}-${sample}`): ExperimentItem => ({
    problemId,
    problemIdx: idx,
    policy,
    sample,
    status: "done",
    traceId,
    verdict,
    answer: null,
    tokens,
    toolCalls: 1,
    hints: [],
    durationMs: 1,
    attempts: 1,
    error: null,
  });
  const exec = (ok: boolean): TraceEvent => ({ type: "code-executed", at: 0, code: "", stdout: "", stderr: "", ...(ok ? {} : { error: "Traceback" }), timedOut: false, truncated: false, durationMs: 1 });
  const clean = traces[1]!.completion;

  it("keeps, per problem, the best correct hint trace where greedy was wrong, and reports every step", () => {
    const items = [
      item("p1", 0, "greedy", 0, "incorrect"),
      item("p1", 0, "paper:rounds=1", 0, "correct", 3000),
      item("p1", 0, "paper:rounds=2", 0, "correct", 2000),
      item("p2", 1, "greedy", 0, "correct"),
      item("p2", 1, "paper:rounds=1", 0, "correct"),
      item("p3", 2, "greedy", 0, "incorrect"),
      item("p3", 2, "paper:rounds=1", 0, "correct", 1000, "p3-loop"),
      item("p4", 3, "greedy", 0, "incorrect"),
      item("p4", 3, "paper:rounds=1", 0, "correct", 1000, "p4-notools"),
      item("p5", 4, "greedy", 0, "incorrect"),
      item("p5", 4, "paper:rounds=1", 0, "incorrect"),
    ];
    const loop = clean.slice(0, 2000) + "\n\nSo the rate is 6.17 percent after rounding to the nearest hundredth.".repeat(10);
    const load = (id: string) =>
      id === "p3-loop"
        ? { segments: model(loop), events: [exec(true)] }
        : id === "p4-notools"
          ? { segments: model(clean), events: [exec(false)] }
          : { segments: model(clean), events: [exec(true)] };
    const r = selectRft(items, load);
    expect(r.funnel.map((s) => [s.step, s.problems, s.traces])).toEqual([
      ["finished hint-policy traces", 5, 6],
      ["hint policy correct", 4, 5],
      ["greedy wrong (all samples)", 3, 4],
      ["not repetitive (score ≤ 0.35)", 2, 3],
      ["≥ 1 successful tool call(s)", 1, 2],
      ["best one per problem", 1, 1],
    ]);
    // Fewer tokens wins among p1's two correct traces.
    expect(r.selected).toEqual([expect.objectContaining({ problemId: "p1", policy: "paper:rounds=2", traceId: "p1-paper:rounds=2-0" })]);
    expect(r.repetitionScores.find((s) => s.traceId === "p3-loop")).toMatchObject({ dropped: true });
  });
});
