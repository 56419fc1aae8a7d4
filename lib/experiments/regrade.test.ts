import { describe, expect, it } from "vitest";
import type { Problem, Trace } from "@/lib/protocol";
import { testTraceConfig } from "@/lib/protocol/__fixtures__/trace-config";
import { reextract, thinkingClosed } from "./regrade";

// A regrade reads each stored trace's answer afresh, with the current extraction and how the run
// ended (the grader's no-final-answer rule: a trace cut inside its thinking has no answer).
const problem: Problem = { id: "p", kind: "math", statement: "2+3", gold: "5" };
function trace(model: string, reason: "eos" | "length"): Trace {
  return {
    id: "t",
    problem,
    config: testTraceConfig({ template: "deepseek-r1" }),
    segments: [
      { id: "s0", kind: "prompt", text: "<｜User｜>2+3<｜Assistant｜><think>\n" },
      { id: "s1", kind: "model", text: model },
    ],
    events: [{ type: "run-finished", at: 1, reason }],
    annotations: [],
    edits: [],
    status: "finished",
    createdAt: 1,
    updatedAt: 1,
  } as unknown as Trace;
}

describe("reextract", () => {
  it("a finished trace: its final answer, boxed or not", () => {
    expect(reextract(problem, trace("Adding gives 5.\n</think>\n\nThe answer is $\\boxed{5}$.", "eos"))).toBe("5");
    expect(reextract(problem, trace("2 and 3 make 5.\n</think>\n\nThe final answer is 5.", "eos"))).toBe("5");
    expect(thinkingClosed(trace("x</think>y", "eos"))).toBe(true);
  });

  it("a trace cut at its token limit inside its thinking has no answer, whatever it last mentioned", () => {
    const cut = trace("Let me try: maybe \\boxed{5}? Wait, check 2+3 = 5 again. Hmm, so the answer is 5 or", "length");
    expect(thinkingClosed(cut)).toBe(false);
    expect(reextract(problem, cut)).toBeUndefined();
  });
});
