import { describe, expect, it } from "vitest";
import { moveSentence, sentenceSpans, stretchSentence } from "./sentence-cursor";

const segs = [
  { kind: "prompt" as const, text: "Solve it. Now." },
  { kind: "model" as const, text: "Let x be 3. Wait, x is 4!\nSo 2x = 8 and 1.5 stays\n\n  Done?" },
];

describe("the sentence cursor", () => {
  it("splits model text into sentences at . ! ? before space and at line breaks", () => {
    const spans = sentenceSpans(segs);
    expect(spans.map((s) => segs[1]!.text.slice(s.start, s.end))).toEqual(["Let x be 3.", "Wait, x is 4!", "So 2x = 8 and 1.5 stays", "Done?"]);
    expect(spans.every((s) => s.segment === 1)).toBe(true);
  });

  it("moves and stretches the selection", () => {
    const spans = sentenceSpans(segs);
    const first = moveSentence(spans, null, 1)!;
    expect(first).toEqual(spans[0]);
    const second = moveSentence(spans, { ...first, text: "" }, 1)!;
    expect(second).toEqual(spans[1]);
    expect(moveSentence(spans, { ...second, text: "" }, -1)).toEqual(spans[0]);
    expect(moveSentence(spans, null, -1)).toEqual(spans[3]);
    // A selection in the middle of a sentence moves to the next whole one.
    expect(moveSentence(spans, { segment: 1, start: 2, end: 5, text: "" }, 1)).toEqual(spans[1]);
    const wide = stretchSentence(spans, { ...first, text: "" }, 1)!;
    expect(wide).toEqual({ segment: 1, start: spans[0]!.start, end: spans[1]!.end });
    expect(stretchSentence(spans, { ...wide, text: "" }, -1)).toEqual({ segment: 1, start: spans[0]!.start, end: spans[0]!.end });
    expect(stretchSentence(spans, { ...first, text: "" }, -1)).toBeUndefined();
  });
});
