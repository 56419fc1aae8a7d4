import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { ExecutionResult, GenerateResult, Policy, Problem, TraceConfig } from "@/lib/protocol";
import { createEngine, reduce, type EngineState, type ResolvedHint } from "./engine";
import { selectGenerateRequest, selectNextAction, selectStops, selectTraceText } from "./selectors";

const FIXTURES = path.resolve(import.meta.dirname, "../../e2e/fixtures/data/r1-distill-math-40.jsonl");
const SHARED_FIXTURES = path.resolve(import.meta.dirname, "../../../shared/fixtures/traces/r1-distill-math-40.jsonl");

interface FixtureTrace {
  id: string;
  problem: string;
  gold_answer: string;
  completion: string;
}

function loadTraces(): FixtureTrace[] {
  let raw: string;
  try {
    raw = readFileSync(FIXTURES, "utf8");
  } catch {
    raw = readFileSync(SHARED_FIXTURES, "utf8");
  }
  return raw
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as FixtureTrace);
}

const traces = loadTraces();
const firstWithWait = traces.find((t) => t.completion.includes("Wait,"))!;

function config(policy: Policy, over: Partial<TraceConfig> = {}): TraceConfig {
  return {
    provider: "scripted",
    model: "test",
    template: "deepseek-r1",
    sampling: { maxTokens: 100_000 },
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

const problem: Problem = { id: "p1", kind: "math", statement: firstWithWait.problem, gold: firstWithWait.gold_answer };
const HINT: ResolvedHint = { id: "math-general", text: "Wait, maybe using Python here is a good idea.\n```python\n" };

/** Split text into chunks of 1..maxLen characters, deterministically. */
function chunk(text: string, maxLen = 5): string[] {
  const out: string[] = [];
  let seed = 7;
  for (let i = 0; i < text.length; ) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const n = 1 + (seed % maxLen);
    out.push(text.slice(i, i + n));
    i += n;
  }
  return out;
}

let clock = 0;
const at = () => ++clock;

function start(policy: Policy, over: Partial<TraceConfig> = {}, hints: ResolvedHint[] = [HINT]): EngineState {
  return reduce(createEngine({ traceId: "t", problem, config: config(policy, over), policyHints: hints }), { type: "start", at: at() });
}

/** Stream text into the current stream until the engine stops listening; returns state and chars consumed. */
function stream(state: EngineState, text: string, result: GenerateResult = { finishReason: "eos" }, maxLen = 5) {
  const streamId = state.streamId!;
  let s = state;
  let consumed = 0;
  for (const c of chunk(text, maxLen)) {
    if (s.streamId !== streamId) break;
    s = reduce(s, { type: "chunk", streamId, text: c, at: at() });
    consumed += c.length;
  }
  if (s.streamId === streamId) s = reduce(s, { type: "stream-ended", streamId, result, at: at() });
  return { state: s, consumed };
}

const ok = (stdout: string): ExecutionResult => ({ stdout, stderr: "", timedOut: false, truncated: false, durationMs: 3 });

describe("engine: greedy", () => {
  it("streams a real trace to the end unchanged and records every trigger", () => {
    const t = traces[0]!;
    let s = start({ type: "greedy" });
    s = stream(s, t.completion).state;
    expect(s.phase).toBe("finished");
    const model = s.segments.filter((x) => x.kind === "model").map((x) => x.text).join("");
    expect(model).toBe(t.completion);
    const waits = [...t.completion.split("</think>")[0]!.matchAll(/(?<![A-Za-z0-9_])Wait(?![A-Za-z0-9_])/g)].length;
    expect(s.events.filter((e) => e.type === "trigger-seen" && e.word === "Wait")).toHaveLength(waits);
    expect(selectStops(s)).toEqual(["```output"]);
  });

  it("ends at the token budget with partial text kept", () => {
    let s = start({ type: "greedy" }, { sampling: { maxTokens: 50 } });
    expect(selectGenerateRequest(s).maxTokens).toBe(50);
    s = stream(s, "Some thinking text that goes on.", { finishReason: "length", usage: { completionTokens: 50 } }).state;
    expect(s.phase).toBe("finished");
    expect(s.events.at(-1)).toMatchObject({ type: "run-finished", reason: "length" });
    expect(selectTraceText(s.segments)).toContain("Some thinking text that goes on.");
  });
});

describe("engine: triggers", () => {
  const manual: Policy = { type: "manual", pauseAtTriggers: true, pauseAtEndOfThinking: false };

  it("pauses before a trigger split across chunks (1-char chunks) and cuts the rest", () => {
    let s = start(manual);
    const { state } = stream(s, "Let me compute 2+2 = 4.\n\nWait, is that right? More text.", undefined, 1);
    s = state;
    expect(s.phase).toBe("paused");
    expect(s.pause).toMatchObject({ reason: "trigger", word: "Wait" });
    expect(s.segments.at(-1)!.text).toBe("Let me compute 2+2 = 4.\n\n");
    expect(s.streamId).toBeUndefined();
    expect(selectNextAction(s)).toEqual({ type: "await-user" });
  });

  it("reads the character before a chunk from the grown segment: a word ending at a chunk's end is no boundary", () => {
    // "Await" arrives as "A" | "wait": the trigger check needs the last character of the
    // model segment (kept beside it, since reading a long concatenated text is a full copy).
    let s = start({ type: "manual", pauseAtTriggers: true, pauseAtEndOfThinking: false }, { triggers: ["wait"] });
    s = stream(s, "I will A", undefined, 1).state;
    expect(s.phase).toBe("finished");
    let t = start({ type: "manual", pauseAtTriggers: true, pauseAtEndOfThinking: false }, { triggers: ["wait"] });
    const streamId = t.streamId!;
    for (const piece of ["I will A", "wait here. Then ", "wait."]) t = reduce(t, { type: "chunk", streamId, text: piece, at: at() });
    expect(t.phase).toBe("paused");
    expect(t.pause).toMatchObject({ reason: "trigger", word: "wait" });
    expect(t.segments.at(-1)!.text).toBe("I will Await here. Then ");
  });

  it("does not treat words containing the trigger as triggers", () => {
    let s = start(manual);
    s = stream(s, "Awaiting results. Waiting is fine. Waits. Done").state;
    expect(s.phase).toBe("finished");
    expect(s.events.some((e) => e.type === "trigger-seen")).toBe(false);
  });

  it("injects a hint by cutting before the trigger, then the model writes code in a fresh segment", () => {
    let s = start(manual);
    s = stream(s, "So x = 3.\nWait, let me check.").state;
    s = reduce(s, { type: "inject", hint: HINT, at: at() });
    expect(s.phase).toBe("generating");
    expect(s.segments.map((x) => x.kind)).toEqual(["prompt", "model", "hint"]);
    expect(s.segments[2]).toMatchObject({ kind: "hint", hintId: "math-general", reason: "trigger", trigger: "Wait" });
    const req = selectGenerateRequest(s);
    expect(req.prompt.endsWith("So x = 3.\nWait, maybe using Python here is a good idea.\n```python\n")).toBe(true);
    expect(req.assistantPrefill.startsWith("<think>\nSo x = 3.\n")).toBe(true);
    // Inside the code block, the stops do not include triggers.
    expect(selectStops(s)).toEqual(["```output"]);
    s = stream(s, "x = 3\n# Wait in a comment\nprint(x * 2)\n```\nThe output is 6.").state;
    expect(s.phase).toBe("executing");
    expect(s.pendingCode).toBe("x = 3\n# Wait in a comment\nprint(x * 2)\n");
    const action = selectNextAction(s);
    expect(action).toMatchObject({ type: "execute", code: "x = 3\n# Wait in a comment\nprint(x * 2)\n" });
    s = reduce(s, { type: "executed", execId: (action as { execId: string }).execId, result: ok("6\n"), at: at() });
    expect(s.segments.at(-1)).toMatchObject({ kind: "tool_output", text: "```output\n6\n```\n" });
    expect(s.phase).toBe("generating");
    expect(s.events.find((e) => e.type === "code-executed")).toMatchObject({ stdout: "6\n", code: "x = 3\n# Wait in a comment\nprint(x * 2)\n" });
  });

  it("continue without a hint writes the trigger back; step pauses at the next pause point of any kind", () => {
    let s = start({ type: "manual", pauseAtTriggers: false, pauseAtEndOfThinking: true });
    s = stream(s, "Think.\n</think>\nAnswer").state;
    expect(s.pause?.reason).toBe("end-of-thinking");
    s = reduce(s, { type: "continue", mode: "step", at: at() });
    expect(s.segments.at(-1)!.text).toBe("Think.\n</think>");
    s = stream(s, " more. Wait, hmm").state;
    // The end of thinking was written, so triggers in the answer are not pause points.
    expect(s.phase).toBe("finished");

    let t = start({ type: "manual", pauseAtTriggers: false, pauseAtEndOfThinking: true });
    t = stream(t, "A. Wait, b.").state;
    expect(t.phase).toBe("finished");
    t = start({ type: "manual", pauseAtTriggers: false, pauseAtEndOfThinking: true });
    t = stream(t, "A.\n</think>").state;
    expect(t.phase).toBe("paused");
    t = reduce(t, { type: "inject", hint: HINT, at: at() });
    t = stream(t, "print(1)\n```\n").state;
    t = reduce(t, { type: "executed", execId: t.execId!, result: ok("1\n"), at: at() });
    t = reduce(t, { type: "stop", at: at() });
    expect(t.phase).toBe("stopped");
  });

  it("pauses at the trigger when the server honours the stop string (stop text not sent)", () => {
    let s = start(manual);
    expect(selectStops(s)).toEqual(["```output", "Wait", "Alternatively"]);
    s = stream(s, "Hmm, so 12.\n\n", { finishReason: "stop", matchedStop: "Wait" }).state;
    expect(s.phase).toBe("paused");
    expect(s.pause).toMatchObject({ reason: "trigger", word: "Wait" });
    s = reduce(s, { type: "continue", mode: "resume", at: at() });
    expect(selectTraceText(s.segments).endsWith("Hmm, so 12.\n\nWait")).toBe(true);
  });

  it("supports regex and non-Latin triggers", () => {
    let s = start(manual, { triggers: ["/Hmm+/", "等等"] });
    s = stream(s, "我们算一下。等等，不对。").state;
    expect(s.pause).toMatchObject({ word: "等等" });
    s = start(manual, { triggers: ["/Hmm+/", "等等"] });
    s = stream(s, "so. Hmmm, no.").state;
    expect(s.pause).toMatchObject({ word: "Hmmm" });
  });
});

describe("engine: code blocks", () => {
  it("detects a python block the model opens itself, and cuts a ```output block the model writes", () => {
    let s = start({ type: "greedy" });
    s = stream(s, "Let me compute.\n```python\nprint(2**10)\n```output\n1024 (hallucinated)\n```\n", undefined, 2).state;
    expect(s.phase).toBe("executing");
    expect(s.pendingCode).toBe("print(2**10)\n");
    expect(s.segments.at(-1)!.text).toBe("Let me compute.\n```python\nprint(2**10)\n");
    s = reduce(s, { type: "executed", execId: s.execId!, result: ok("1024\n"), at: at() });
    // The model never closed its fence, so the tool output closes it before the output block.
    expect(s.segments.at(-1)!.text).toBe("```\n```output\n1024\n```\n");
  });

  it("handles a server that stops at ```output", () => {
    let s = start({ type: "greedy" });
    s = stream(s, "```python\nprint(1)\n", { finishReason: "stop", matchedStop: "```output" }).state;
    expect(s.phase).toBe("executing");
    expect(s.pendingCode).toBe("print(1)\n");
  });

  it("feeds errors back and stops running code after maxToolCalls", () => {
    let s = start({ type: "greedy" }, { maxToolCalls: 1 });
    s = stream(s, "```python\n1/0\n```\n").state;
    s = reduce(s, {
      type: "executed",
      execId: s.execId!,
      result: { stdout: "", stderr: "", error: "Traceback (most recent call last):\nZeroDivisionError: division by zero", timedOut: false, truncated: false, durationMs: 2 },
      at: at(),
    });
    expect(s.segments.at(-1)!.text).toContain("ZeroDivisionError: division by zero");
    s = stream(s, "Retry:\n```python\nprint(1)\n```\n").state;
    expect(s.phase).toBe("generating");
    expect(s.segments.at(-1)!.text).toContain("Tool call limit reached");
    expect(s.events.some((e) => e.type === "code-skipped")).toBe(true);
    expect(s.toolCalls).toBe(1);
  });
});

describe("engine: paper policy", () => {
  it("injects at end of thinking for exactly R rounds, then lets the model finish", () => {
    const rounds = 2;
    let s = start({ type: "paper", rounds, triggerProb: 0 });
    const t = traces[0]!;
    const [thinking, answer] = t.completion.split("</think>") as [string, string];
    s = stream(s, thinking + "</think>" + answer).state;
    for (let r = 1; r <= rounds; r++) {
      expect(s.phase).toBe("generating");
      expect(s.rounds).toBe(r);
      expect(s.segments.at(-1)).toMatchObject({ kind: "hint", reason: "end-of-thinking" });
      s = stream(s, "print(6.17)\n```\n").state;
      s = reduce(s, { type: "executed", execId: s.execId!, result: ok("6.17\n"), at: at() });
      s = stream(s, "So the answer holds.\n</think>\n\\boxed{6.17}").state;
    }
    expect(s.phase).toBe("finished");
    expect(s.rounds).toBe(rounds);
    const injected = s.events.filter((e) => e.type === "hint-injected");
    expect(injected.map((e) => (e as { round?: number }).round)).toEqual([1, 2]);
    expect(injected.every((e) => e.type === "hint-injected" && e.decidedBy === "policy")).toBe(true);
    expect(selectTraceText(s.segments)).not.toMatch(/So the answer holds\.\n<\/think>\n\\boxed\{6\.17\}.*So the answer/s);
    expect(selectTraceText(s.segments).endsWith("So the answer holds.\n</think>\n\\boxed{6.17}")).toBe(true);
  });

  it("injects at triggers with seeded probability, reproducibly", () => {
    const run = (seed: number) => {
      let s = start({ type: "paper", rounds: 0, triggerProb: 0.5 }, { policySeed: seed });
      let guard = 0;
      const text = "A. Wait, b. Wait, c. Wait, d. Wait, e.\n</think>\\boxed{1}";
      s = stream(s, text).state;
      while (s.phase === "generating" && guard++ < 20) {
        s = stream(s, "print(1)\n```\n").state;
        if (s.phase === "executing") s = reduce(s, { type: "executed", execId: s.execId!, result: ok("1\n"), at: at() });
        if (s.phase === "generating") s = stream(s, "\n</think>\\boxed{1}").state;
      }
      return s.events.filter((e) => e.type === "hint-injected").length;
    };
    expect(run(1)).toBe(run(1));
    const counts = [1, 2, 3, 4, 5, 6, 7, 8].map(run);
    expect(Math.max(...counts)).toBeGreaterThan(0);
    expect(Math.min(...counts)).toBeLessThan(4);
  });
});

describe("engine: stop, failure, abort", () => {
  it("stop keeps partial text and ignores late chunks of the aborted stream", () => {
    let s = start({ type: "greedy" });
    const id = s.streamId!;
    s = reduce(s, { type: "chunk", streamId: id, text: "Partial thought", at: at() });
    s = reduce(s, { type: "stop", at: at() });
    s = reduce(s, { type: "chunk", streamId: id, text: " late", at: at() });
    expect(s.phase).toBe("stopped");
    expect(selectTraceText(s.segments).endsWith("Partial thought")).toBe(true);
  });

  it("a failed stream keeps the text received, and can be resumed", () => {
    let s = start({ type: "greedy" });
    const id = s.streamId!;
    s = reduce(s, { type: "chunk", streamId: id, text: "Half a thou", at: at() });
    s = reduce(s, { type: "stream-failed", streamId: id, code: "stream-broken", message: "connection lost", at: at() });
    expect(s.phase).toBe("failed");
    expect(s.error).toEqual({ code: "stream-broken", message: "connection lost" });
    expect(selectTraceText(s.segments).endsWith("Half a thou")).toBe(true);
    s = reduce(s, { type: "continue", mode: "resume", at: at() });
    expect(s.phase).toBe("generating");
    expect(selectGenerateRequest(s).prompt.endsWith("Half a thou")).toBe(true);
  });
});
