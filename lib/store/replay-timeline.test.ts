import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BUILTIN_HINTS, HINT_LIBRARY_VERSION } from "@/hints";
import { parseImportLine } from "@/lib/import";
import type { Segment, TraceEvent } from "@/lib/protocol";
import { buildTimeline, frameAt, MIN_PAUSE_MS, PAUSE_HOLD_MS, REPLAY_CHARS_PER_SECOND, segmentsAt, TOOL_HOLD_MS } from "./replay-timeline";

// A real recorded TIR trajectory, as the demo traces ship it (ToRA: prose, python, output, answer).
const line = readFileSync(path.resolve(import.meta.dirname, "../../demo-traces/tora-tir.jsonl"), "utf8").split("\n")[0]!;
const parsed = parseImportLine(line, { hints: BUILTIN_HINTS, hintLibraryVersion: HINT_LIBRARY_VERSION });
if (!parsed.ok) throw new Error(parsed.error);
const tora = parsed.body;
const charMs = 1000 / REPLAY_CHARS_PER_SECOND;

describe("replay timeline, rate timing (an imported trace has no times)", () => {
  const tl = buildTimeline(tora.segments, tora.events);
  const [, model1, output, model2] = tora.segments as [Segment, Segment, Segment, Segment];
  const codeClosed = model1.text.length * charMs;

  it("writes model text at the rate, holds while the code runs, then shows the recorded output", () => {
    expect(tl.timing).toBe("rate");
    expect(tl.duration).toBeCloseTo((model1.text.length + model2.text.length) * charMs + TOOL_HOLD_MS);
    expect(tl.codeClosedAt).toEqual([codeClosed]);

    expect(frameAt(tl, tora.segments, 0)).toMatchObject({ shown: 1, phase: "text", partial: { segment: 1, chars: 0 }, codeClosed: 0 });
    const mid = frameAt(tl, tora.segments, codeClosed / 2);
    expect(mid.partial).toEqual({ segment: 1, chars: Math.floor(model1.text.length / 2) });
    const running = frameAt(tl, tora.segments, codeClosed + 10);
    expect(running).toMatchObject({ shown: 2, phase: "running", codeClosed: 1 });
    expect(running.partial).toBeUndefined();
    const after = frameAt(tl, tora.segments, codeClosed + TOOL_HOLD_MS + 10 * charMs);
    expect(after).toMatchObject({ shown: 3, phase: "text", partial: { segment: 3, chars: 10 } });
    expect(frameAt(tl, tora.segments, tl.duration)).toMatchObject({ shown: 4, phase: "ended" });
    expect(frameAt(tl, tora.segments, tl.duration * 2).phase).toBe("ended");
    expect(output.kind).toBe("tool_output");
  });

  it("hands the view the shown segments by identity and the written one cut, same id", () => {
    const segs = segmentsAt(tora.segments, frameAt(tl, tora.segments, codeClosed + TOOL_HOLD_MS + 20 * charMs));
    expect(segs.length).toBe(4);
    expect(segs[1]).toBe(model1);
    expect(segs[2]).toBe(output);
    expect(segs[3]).not.toBe(model2);
    expect(segs[3]!.id).toBe(model2.id);
    expect(segs[3]!.text).toBe(model2.text.slice(0, 20));
    expect(model2.text.length).toBeGreaterThan(20);
    // Nothing of a segment written yet: not in the view.
    expect(segmentsAt(tora.segments, frameAt(tl, tora.segments, 0)).length).toBe(1);
  });

  it("never splits a surrogate pair", () => {
    const segs: Segment[] = [{ id: "m", kind: "model", text: "ab😀cd" }];
    const t = buildTimeline(segs, []);
    const texts = [0, 1, 2, 3, 4, 5, 6].map((k) => segmentsAt(segs, frameAt(t, segs, k * charMs))[0]?.text ?? "");
    expect(texts.every((x) => !/[\uD800-\uDBFF]$/.test(x))).toBe(true);
  });

  it("holds at a pause before its hint (the pause marker shows), in rate mode", () => {
    const segs: Segment[] = [
      { id: "p", kind: "prompt", text: "Q" },
      { id: "m1", kind: "model", text: "x".repeat(80) },
      { id: "h", kind: "hint", text: "Let me check with code.", hintId: "check", reason: "trigger", trigger: "Wait" },
      { id: "m2", kind: "model", text: "y".repeat(80) },
    ];
    const t = buildTimeline(segs, []);
    expect(t.duration).toBe(2000 + PAUSE_HOLD_MS);
    expect(frameAt(t, segs, 1000 + 1)).toMatchObject({ shown: 2, phase: "pause", pause: { word: "Wait", reason: "trigger" } });
    expect(frameAt(t, segs, 1000 + PAUSE_HOLD_MS + 1)).toMatchObject({ shown: 3, phase: "text" });
  });
});

describe("replay timeline, recorded timing", () => {
  // A live run: 400 chars in 2 s, a 3 s pause at "Wait", a hint, code that ran 250 ms, more text.
  const T = 1_740_000_000_000;
  const segs: Segment[] = [
    { id: "p", kind: "prompt", text: "Q" },
    { id: "m1", kind: "model", text: "a".repeat(400) },
    { id: "h", kind: "hint", text: "Use python.\n```python\n", hintId: "py", reason: "trigger", trigger: "Wait" },
    { id: "m2", kind: "model", text: "print(1)\n```\n" },
    { id: "o", kind: "tool_output", text: "```output\n1\n```\n" },
    { id: "m3", kind: "model", text: "b".repeat(100) },
  ];
  const events: TraceEvent[] = [
    { type: "run-started", at: T },
    { type: "stream-started", at: T, streamId: "s1", promptChars: 1 },
    { type: "paused", at: T + 2000, reason: "trigger", word: "Wait", offset: 400 },
    { type: "stream-ended", at: T + 2000, streamId: "s1", finishReason: "stop", chars: 400, durationMs: 2000 },
    { type: "hint-injected", at: T + 5000, hintId: "py", reason: "trigger", offset: 400, decidedBy: "user" },
    { type: "stream-started", at: T + 5000, streamId: "s2", promptChars: 2 },
    { type: "stream-ended", at: T + 5500, streamId: "s2", finishReason: "stop", chars: 13, durationMs: 500 },
    { type: "code-executed", at: T + 5750, code: "print(1)\n", stdout: "1\n", stderr: "", timedOut: false, truncated: false, durationMs: 250 },
    { type: "stream-started", at: T + 5750, streamId: "s3", promptChars: 3 },
    { type: "stream-ended", at: T + 6750, streamId: "s3", finishReason: "eos", chars: 100, durationMs: 1000 },
    { type: "run-finished", at: T + 6750, reason: "eos" },
  ];
  const tl = buildTimeline(segs, events);

  it("follows the trace's own times: streaming, the pause, the execution", () => {
    expect(tl.timing).toBe("recorded");
    expect(tl.duration).toBe(6750);
    expect(frameAt(tl, segs, 1000).partial).toEqual({ segment: 1, chars: 200 });
    expect(frameAt(tl, segs, 3000)).toMatchObject({ phase: "pause", shown: 2, pause: { word: "Wait", reason: "trigger" } });
    expect(frameAt(tl, segs, 5250)).toMatchObject({ phase: "text", shown: 3, partial: { segment: 3, chars: 6 } });
    expect(tl.codeClosedAt).toEqual([5500]);
    expect(frameAt(tl, segs, 5600)).toMatchObject({ phase: "running", shown: 4, codeClosed: 1 });
    expect(frameAt(tl, segs, 6250)).toMatchObject({ phase: "text", shown: 5, partial: { segment: 5, chars: 50 } });
  });

  it("holds a policy's instant pause long enough to be seen", () => {
    const instant = events.map((e) => (e.type === "hint-injected" ? { ...e, at: T + 2000 } : e));
    const t = buildTimeline(segs, instant);
    const pause = t.steps.find((s) => s.kind === "pause")!;
    expect(pause.duration).toBe(MIN_PAUSE_MS);
  });
});
