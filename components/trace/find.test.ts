import { describe, expect, it } from "vitest";
import type { Segment } from "@/lib/protocol";
import { findMatches, nearestMatch } from "./find";

const seg = (kind: Segment["kind"], text: string, i: number): Segment => ({ id: `s${i}`, kind, text }) as Segment;

describe("find in trace", () => {
  const segments = [seg("prompt", "wait in the prompt", 0), seg("model", "Wait, wait. WAIT", 1), seg("hint", "Wait! use python", 2), seg("tool_output", "```output\nwait\n```", 3)];

  it("finds every occurrence, case-insensitive, in reading order, not in the prompt", () => {
    expect(findMatches(segments, "wait")).toEqual([
      { segment: 1, start: 0, end: 4 },
      { segment: 1, start: 6, end: 10 },
      { segment: 1, start: 12, end: 16 },
      { segment: 2, start: 0, end: 4 },
      { segment: 3, start: 10, end: 14 },
    ]);
    expect(findMatches(segments, "")).toEqual([]);
    expect(findMatches(segments, "w", 2)).toHaveLength(2);
  });

  it("keeps offsets exact when lower-casing would change a length", () => {
    const m = findMatches([seg("model", "İx wait", 0)], "wait");
    expect(m).toEqual([{ segment: 0, start: 3, end: 7 }]);
  });

  it("stays near the match shown before when the query grows", () => {
    const matches = findMatches(segments, "wait");
    expect(nearestMatch(matches, { segment: 1, start: 6, end: 10 })).toBe(1);
    expect(nearestMatch(matches, { segment: 9, start: 0, end: 1 })).toBe(0);
  });
});
