import { describe, expect, it } from "vitest";
import type { Segment, TokenLogprob } from "@/lib/protocol";
import { appendSegmentLogprobs, placeTokens, streamAnchor } from "./logprobs";

const seg = (kind: Segment["kind"], text: string, i: number): Segment => ({ id: `seg-${i}`, kind, text });
const tok = (start: number, text: string): TokenLogprob => ({ start, text, logprob: -0.5, top: [{ text, logprob: -0.5 }] });

describe("streamAnchor / placeTokens", () => {
  it("a stream after a hint opens a new model segment; its tokens keep their offsets", () => {
    const before = [seg("prompt", "P", 0), seg("hint", "Wait, use Python.\n```python\n", 1)];
    const anchor = streamAnchor(before);
    expect(anchor).toEqual({ segment: 2, base: 0 });
    const after = [...before, seg("model", "print(1)\n", 2)];
    const { placed, waiting } = placeTokens(after, anchor, [tok(0, "print"), tok(5, "(1)"), tok(8, "\n"), tok(9, "```")]);
    expect(placed.map((t) => [t.start, t.text])).toEqual([
      [0, "print"],
      [5, "(1)"],
      [8, "\n"],
    ]);
    // Not accepted (yet): held back by the engine, or after a cut.
    expect(waiting.map((t) => t.text)).toEqual(["```"]);
  });

  it("a stream that continues a model segment is shifted by the text already there", () => {
    const before = [seg("prompt", "P", 0), seg("model", "So x = 2. ", 1)];
    const anchor = streamAnchor(before);
    expect(anchor).toEqual({ segment: 1, base: 10 });
    const after = [seg("prompt", "P", 0), seg("model", "So x = 2. Then y", 1)];
    const { placed } = placeTokens(after, anchor, [tok(0, "Then"), tok(4, " y")]);
    expect(placed.map((t) => t.start)).toEqual([10, 14]);
    for (const t of placed) expect(after[1]!.text.slice(t.start, t.start + t.text.length)).toBe(t.text);
  });

  it("nothing is placed before the segment exists, and a token that does not match stops placement", () => {
    const before = [seg("prompt", "P", 0)];
    const anchor = streamAnchor(before);
    expect(placeTokens(before, anchor, [tok(0, "a")]).placed).toEqual([]);
    const after = [seg("prompt", "P", 0), seg("model", "abc", 1)];
    expect(placeTokens(after, anchor, [tok(0, "a"), tok(1, "x"), tok(2, "c")])).toEqual({ placed: [tok(0, "a")], waiting: [] });
  });

  it("appendSegmentLogprobs appends without touching other segments", () => {
    const a = { 1: [tok(0, "a")] };
    const b = appendSegmentLogprobs(a, 1, [tok(1, "b")]);
    expect(b[1]!.map((t) => t.text)).toEqual(["a", "b"]);
    expect(a[1]).toHaveLength(1);
    expect(appendSegmentLogprobs(b, 3, [])).toBe(b);
  });
});
