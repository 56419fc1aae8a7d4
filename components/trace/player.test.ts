import { describe, expect, it } from "vitest";
import type { Segment, TraceEvent } from "@/lib/protocol";
import { eventsShown, nextTarget, stepTargets } from "./player";

const seg = (kind: Segment["kind"], i: number): Segment => ({ id: `s${i}`, kind, text: kind });
const segments = [seg("prompt", 0), seg("model", 1), seg("hint", 2), seg("model", 3), seg("tool_output", 4), seg("model", 5)];
const events: TraceEvent[] = [
  { type: "run-started", at: 0 },
  { type: "paused", at: 1, reason: "trigger", word: "Wait", offset: 5 },
  { type: "hint-injected", at: 2, hintId: "h", reason: "trigger", offset: 5, decidedBy: "user" },
  { type: "code-executed", at: 3, code: "", stdout: "", stderr: "", timedOut: false, truncated: false, durationMs: 1 },
  { type: "run-finished", at: 4, reason: "eos" },
];

describe("player steps", () => {
  it("steps by segment, pause point and tool call", () => {
    expect(stepTargets(segments, "segment")).toEqual([1, 2, 3, 4, 5, 6]);
    expect(stepTargets(segments, "pause")).toEqual([2, 6]);
    expect(stepTargets(segments, "tool")).toEqual([5, 6]);
    expect(nextTarget([2, 6], 2, 1)).toBe(6);
    expect(nextTarget([2, 6], 6, -1)).toBe(2);
    expect(nextTarget([2, 6], 2, -1)).toBe(2);
  });
  it("keeps the event list in sync with the segments shown", () => {
    expect(eventsShown(segments, events, 2)).toBe(2); // up to the pause, before the injection
    expect(eventsShown(segments, events, 3)).toBe(3); // the hint is shown: its injection too
    expect(eventsShown(segments, events, 5)).toBe(4);
    expect(eventsShown(segments, events, 6)).toBe(5);
  });
});
