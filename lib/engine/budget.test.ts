import { describe, expect, it } from "vitest";
import { BUDGET_END_HINT_ID, BUDGET_HINT_ID, type GenerateResult, type Policy, type TraceConfig } from "@/lib/protocol";
import { createEngine, reduce, type EngineState } from "./engine";
import { restoreEngine } from "./restore";
import { selectFinalResponse, selectGenerateRequest, selectStops, selectTraceText } from "./selectors";

// Budget forcing (s1): the server reports completion tokens per stream, so every count below is
// exact: the engine must act at exactly `min` and `max` thinking tokens.

const MARKER = "</think>";
let clock = 0;
const at = () => ++clock;

function config(policy: Policy, over: Partial<TraceConfig> = {}): TraceConfig {
  return {
    provider: "scripted",
    model: "test",
    template: "qwq",
    sampling: { maxTokens: 10_000 },
    triggers: ["Wait", "Alternatively"],
    policy,
    maxToolCalls: 6,
    toolTimeoutMs: 5000,
    maxOutputChars: 4000,
    hintLibraryVersion: "test",
    policySeed: 1,
    ...over,
  };
}

const budget = (minThinking: number, maxThinking?: number, word = "Wait"): Policy => ({ type: "budget", minThinking, ...(maxThinking !== undefined ? { maxThinking } : {}), word });

function start(policy: Policy, over: Partial<TraceConfig> = {}): EngineState {
  const problem = { id: "p", kind: "math" as const, statement: "What is 6 * 7?", gold: "42" };
  return reduce(createEngine({ traceId: "t", problem, config: config(policy, over) }), { type: "start", at: at() });
}

/** One server stream: `text` in 3-character chunks, then its end. A server honouring `stop` never sends the stop string. */
function serve(state: EngineState, text: string, result: GenerateResult): EngineState {
  const streamId = state.streamId!;
  expect(streamId).toBeDefined();
  let s = state;
  for (let i = 0; i < text.length && s.streamId === streamId; i += 3) s = reduce(s, { type: "chunk", streamId, text: text.slice(i, i + 3), at: at() });
  if (s.streamId === streamId) s = reduce(s, { type: "stream-ended", streamId, result, at: at() });
  return s;
}

const atMarker = (completionTokens: number): GenerateResult => ({ finishReason: "stop", matchedStop: MARKER, usage: { completionTokens } });
const hints = (s: EngineState) => s.segments.filter((x) => x.kind === "hint");

describe("engine: budget policy (s1 budget forcing)", () => {
  it("below min: the end of thinking is suppressed and the word appended as a hint segment (a round), then the model goes on", () => {
    let s = start(budget(10));
    expect(selectStops(s)).toContain(MARKER);
    s = serve(s, "Six sevens are 42.\n", atMarker(9));
    expect(s.phase).toBe("generating");
    expect(hints(s)).toEqual([expect.objectContaining({ kind: "hint", text: "Wait", hintId: BUDGET_HINT_ID, reason: "end-of-thinking" })]);
    expect(s.events.filter((e) => e.type === "hint-injected")).toEqual([expect.objectContaining({ hintId: BUDGET_HINT_ID, reason: "end-of-thinking", decidedBy: "policy", round: 1 })]);
    expect(s.rounds).toBe(1);
    expect(selectTraceText(s.segments)).not.toContain(MARKER);
    expect(selectGenerateRequest(s).prompt.endsWith("Six sevens are 42.\nWait")).toBe(true);
    expect(s.thinkingTokens).toBe(9);

    // One more thinking token reaches min exactly: the marker now passes as the model's own text.
    s = serve(s, ", 6 * 7 = 42 indeed.\n", atMarker(1));
    expect(s.thinkingTokens).toBe(10);
    expect(hints(s)).toHaveLength(1);
    expect(s.thinkingClosed).toBe(true);
    expect(s.segments.at(-1)).toMatchObject({ kind: "model" });
    expect(s.segments.at(-1)!.text.endsWith(`indeed.\n${MARKER}`)).toBe(true);
    expect(selectStops(s)).not.toContain(MARKER);
    s = serve(s, "\n\nThe answer is \\boxed{42}.", { finishReason: "eos", usage: { completionTokens: 8 } });
    expect(s.phase).toBe("finished");
    expect(selectFinalResponse(s)).toBe("\n\nThe answer is \\boxed{42}.");
  });

  it("at exactly min the first end of thinking is let through; one token short it is not", () => {
    let s = start(budget(10));
    s = serve(s, "Done thinking.\n", atMarker(10));
    expect(hints(s)).toHaveLength(0);
    expect(s.thinkingClosed).toBe(true);

    let t = start(budget(10));
    t = serve(t, "Done thinking.\n", atMarker(9));
    expect(hints(t).map((h) => h.hintId)).toEqual([BUDGET_HINT_ID]);
    expect(t.thinkingClosed).toBe(false);
  });

  it("appends a custom word, recorded under the budget hint id with its text as injected", () => {
    let s = start(budget(100, undefined, "Hmm"));
    s = serve(s, "Quick answer.\n", atMarker(5));
    expect(hints(s)).toEqual([expect.objectContaining({ text: "Hmm", hintId: BUDGET_HINT_ID })]);
    expect(selectGenerateRequest(s).prompt.endsWith("Quick answer.\nHmm")).toBe(true);
  });

  it("at max: requests ask for exactly the thinking tokens left, and the marker is forced when they are used up", () => {
    let s = start(budget(0, 50), { sampling: { maxTokens: 1000 } });
    expect(selectGenerateRequest(s).maxTokens).toBe(50);
    // The server stopped short of its max_tokens (it counted 30): the next request asks for the other 20.
    s = serve(s, "Thinking part one", { finishReason: "length", usage: { completionTokens: 30 } });
    expect(s.thinkingClosed).toBe(false);
    expect(selectGenerateRequest(s).maxTokens).toBe(20);
    s = serve(s, " and part two, still going", { finishReason: "length", usage: { completionTokens: 20 } });

    expect(s.thinkingTokens).toBe(50);
    expect(s.thinkingClosed).toBe(true);
    expect(s.phase).toBe("generating");
    expect(s.segments.at(-1)).toMatchObject({ kind: "hint", text: MARKER, hintId: BUDGET_END_HINT_ID, reason: "thinking-budget" });
    const forced = s.events.filter((e) => e.type === "hint-injected");
    expect(forced).toEqual([expect.objectContaining({ hintId: BUDGET_END_HINT_ID, reason: "thinking-budget", decidedBy: "policy" })]);
    expect(forced[0]).not.toHaveProperty("round");
    // The answer is not capped by the thinking budget, only by the trace's own.
    expect(selectGenerateRequest(s).maxTokens).toBe(1000 - 50);
    expect(selectStops(s)).not.toContain(MARKER);
    s = serve(s, "\n\nThe answer is \\boxed{42}.", { finishReason: "eos", usage: { completionTokens: 9 } });
    expect(s.phase).toBe("finished");
    expect(selectFinalResponse(s)).toBe("\n\nThe answer is \\boxed{42}.");
  });

  it("one token under max the model may still end its thinking itself", () => {
    let s = start(budget(0, 50));
    s = serve(s, "Enough.\n", atMarker(49));
    expect(s.thinkingClosed).toBe(true);
    expect(hints(s)).toHaveLength(0);
    expect(s.segments.at(-1)!.text.endsWith(`Enough.\n${MARKER}`)).toBe(true);
  });

  it("min and max together: Wait until min, then the marker forced at max when the model keeps thinking", () => {
    let s = start(budget(20, 30));
    s = serve(s, "Short.\n", atMarker(12));
    expect(hints(s).map((h) => h.text)).toEqual(["Wait"]);
    expect(selectGenerateRequest(s).maxTokens).toBe(18);
    s = serve(s, ", let me think longer about it", { finishReason: "length", usage: { completionTokens: 18 } });
    expect(hints(s).map((h) => [h.hintId, h.text])).toEqual([
      [BUDGET_HINT_ID, "Wait"],
      [BUDGET_END_HINT_ID, MARKER],
    ]);
    expect(s.thinkingTokens).toBe(30);
  });

  it("a stream that ends at the marker counts at least one token, so Wait rounds always reach min", () => {
    let s = start(budget(3));
    for (let round = 1; round <= 3; round++) s = serve(s, "", { finishReason: "stop", matchedStop: MARKER, usage: { completionTokens: 0 } });
    expect(s.rounds).toBe(2);
    expect(s.thinkingClosed).toBe(true);
  });

  it("a server that ignores stop strings: the marker is cut mid-stream and counted from characters (~4 per token)", () => {
    let s = start(budget(100));
    const thinking = "x".repeat(40) + "\n";
    s = serve(s, `${thinking}${MARKER}\n\nanswer text`, { finishReason: "eos" });
    expect(hints(s).map((h) => h.text)).toEqual(["Wait"]);
    const ended = s.events.find((e) => e.type === "stream-ended")!;
    expect(ended.type === "stream-ended" && s.thinkingTokens).toBe(Math.ceil((ended as { chars: number }).chars / 4));
    expect(selectTraceText(s.segments)).not.toContain("answer text");
  });

  it("a reopened trace whose end of thinking was forced stays closed", () => {
    let s = start(budget(0, 5));
    s = serve(s, "abc", { finishReason: "length", usage: { completionTokens: 5 } });
    const r = restoreEngine({ traceId: "t", problem: s.problem, config: s.config, segments: s.segments, events: s.events });
    expect(r.thinkingClosed).toBe(true);
    expect(r.thinkingTokens).toBe(5);
  });
});
