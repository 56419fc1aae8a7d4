import { describe, expect, it } from "vitest";
import type { Segment, TraceEvent } from "@/lib/protocol";
import { branchPrefix } from "./branch";

const segments: Segment[] = [
  { id: "s0", kind: "prompt", text: "<|User|>What is 6*7?<|Assistant|><think>\n" },
  { id: "s1", kind: "model", text: "So 6*7 is 42. Wait, check: 7+7+7+7+7+7." },
  { id: "s2", kind: "hint", text: "Let me use Python.\n```python\n", hintId: "py", reason: "trigger", trigger: "Wait" },
  { id: "s3", kind: "model", text: "print(6*7)\n```\n" },
  { id: "s4", kind: "tool_output", text: "```output\n42\n```\n" },
  { id: "s5", kind: "model", text: "The answer is 42." },
];
const events: TraceEvent[] = [
  { type: "run-started", at: 0 },
  { type: "hint-injected", at: 1, hintId: "py", reason: "trigger", offset: 50, decidedBy: "user" },
  { type: "code-executed", at: 2, code: "print(6*7)", stdout: "42\n", stderr: "", timedOut: false, truncated: false, durationMs: 3 },
  { type: "run-finished", at: 3, reason: "eos" },
];

describe("branchPrefix", () => {
  it("is exactly the model text before the token, then the alternative", () => {
    // The token " Wait" starts at offset 13 of segment 1; branch to " Hmm" instead.
    const p = branchPrefix(segments, events, { segment: 1, offset: 13, text: " Hmm" });
    expect(p.segments.map((s) => s.text)).toEqual([segments[0]!.text, "So 6*7 is 42. Hmm"]);
    expect(p.segments[1]!.kind).toBe("model");
    expect(p.events.map((e) => e.type)).toEqual(["run-started"]);
  });
  it("keeps whole segments and their events before a later model segment", () => {
    const p = branchPrefix(segments, events, { segment: 5, offset: 3, text: " final" });
    expect(p.segments.map((s) => s.id)).toEqual(["s0", "s1", "s2", "s3", "s4", "s5"]);
    expect(p.segments[5]!.text).toBe("The final");
    expect(p.segments.slice(0, 5)).toEqual(segments.slice(0, 5));
    expect(p.events.map((e) => e.type)).toEqual(["run-started", "hint-injected", "code-executed"]);
  });
  it("at a model segment's first token, the alternative starts that segment", () => {
    const p = branchPrefix(segments, events, { segment: 3, offset: 0, text: "x = 6 * 7" });
    expect(p.segments.map((s) => [s.id, s.kind, s.text])).toEqual([
      ["s0", "prompt", segments[0]!.text],
      ["s1", "model", segments[1]!.text],
      ["s2", "hint", segments[2]!.text],
      ["s3", "model", "x = 6 * 7"],
    ]);
    expect(p.events.map((e) => e.type)).toEqual(["run-started", "hint-injected"]);
  });
  it("never branches inside the prompt, a hint or a tool output", () => {
    expect(() => branchPrefix(segments, events, { segment: 0, offset: 5, text: "x" })).toThrow(/segment 0 is prompt/);
    expect(() => branchPrefix(segments, events, { segment: 2, offset: 0, text: "x" })).toThrow(/segment 2 is hint/);
    expect(() => branchPrefix(segments, events, { segment: 4, offset: 3, text: "x" })).toThrow(/segment 4 is tool_output/);
  });
  it("refuses a point outside the trace and an empty alternative", () => {
    expect(() => branchPrefix(segments, events, { segment: 9, offset: 0, text: "x" })).toThrow(/does not exist/);
    expect(() => branchPrefix(segments, events, { segment: 1, offset: 999, text: "x" })).toThrow(/past the end/);
    expect(() => branchPrefix(segments, events, { segment: 1, offset: 3, text: "" })).toThrow(/empty/);
  });
  it("does not change the trace it branches from", () => {
    const before = JSON.stringify(segments);
    branchPrefix(segments, events, { segment: 1, offset: 13, text: " Hmm" });
    expect(JSON.stringify(segments)).toBe(before);
  });
});
