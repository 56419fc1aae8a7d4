import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Segment, TraceEvent } from "@/lib/protocol";
import { pausePoint, pointAtTextOffset, sentenceBoundaries, sentencePositions, textOffsetOf, triggerPositions } from "./positions";

const FIXTURES = path.resolve(import.meta.dirname, "../../e2e/fixtures/data/r1-distill-math-40.jsonl");
const SHARED_FIXTURES = path.resolve(import.meta.dirname, "../../../shared/fixtures/traces/r1-distill-math-40.jsonl");

interface FixtureTrace {
  id: string;
  prompt: string;
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
const seg = (id: number, kind: Segment["kind"], text: string): Segment => ({ id: `s${id}`, kind, text });
const asTrace = (t: FixtureTrace): Segment[] => [seg(0, "prompt", t.prompt), seg(1, "model", t.completion)];
const TRIGGERS = ["Wait", "Alternatively"];

describe("triggerPositions on real traces", () => {
  it("points exactly at every Wait / Alternatively of the thinking of a real R1 trace", () => {
    const t = traces[0]!;
    const segments = asTrace(t);
    const points = triggerPositions({ segments, triggers: TRIGGERS, endOfThinking: "</think>" });
    // Counted independently: 7 × "Wait" and 4 × "Alternatively" as whole words before </think>.
    expect(points.length).toBe(11);
    expect(points.filter((p) => p.trigger === "Alternatively").length).toBe(4);
    const whole = segments.map((s) => s.text).join("");
    for (const p of points) {
      expect(p.segment).toBe(1);
      expect(t.completion.slice(p.offset).startsWith(p.trigger!)).toBe(true);
      expect(whole.slice(p.textOffset).startsWith(p.trigger!)).toBe(true);
      expect(p.textOffset).toBe(t.prompt.length + p.offset);
      expect(/[A-Za-z0-9_]/.test(t.completion[p.offset - 1] ?? "")).toBe(false);
    }
    expect(points.map((p) => p.offset)).toEqual([...points.map((p) => p.offset)].sort((a, b) => a - b));
  });

  it("finds the same occurrences as a whole-word regex on all 40 traces", () => {
    let total = 0;
    for (const t of traces) {
      const thinking = t.completion.split("</think>")[0]!;
      const expected = [...thinking.matchAll(/(?<![A-Za-z0-9_])(Wait|Alternatively)(?![A-Za-z0-9_])/g)].map((m) => m.index);
      const got = triggerPositions({ segments: asTrace(t), triggers: TRIGGERS, endOfThinking: "</think>" }).map((p) => p.offset);
      expect(got, t.id).toEqual(expected);
      total += got.length;
    }
    expect(total).toBeGreaterThan(400);
  });

  it("skips code after a code hint, tool output, hint text, partial words and text after </think>", () => {
    const segments = [
      seg(0, "prompt", "Solve x.\n<think>\n"),
      seg(1, "model", "Let me try. Waiting is fine. "),
      seg(2, "hint", "Wait, let me check with code.\n```python\n"),
      seg(3, "model", "# Wait for it\nprint(1)\n```\n"),
      seg(4, "tool_output", "```output\nWait\n```\n"),
      seg(5, "model", "So it is 1. Wait, no. Hmm/Alternatively.\n</think>\nWait, the answer is 1."),
    ];
    const points = triggerPositions({ segments, triggers: TRIGGERS, endOfThinking: "</think>" });
    expect(points.map((p) => [p.segment, p.trigger])).toEqual([
      [5, "Wait"],
      [5, "Alternatively"],
    ]);
    expect(points[0]!.offset).toBe("So it is 1. ".length);
    const whole = segments.map((s) => s.text).join("");
    for (const p of points) expect(whole.slice(p.textOffset, p.textOffset + p.trigger!.length)).toBe(p.trigger);
  });

  it("accepts /regex/ triggers as the engine does", () => {
    const segments = [seg(0, "prompt", "p"), seg(1, "model", "Hmm, fine. Hmmm, no.")];
    const points = triggerPositions({ segments, triggers: ["/Hm+/"], endOfThinking: null });
    expect(points.map((p) => [p.offset, p.trigger])).toEqual([
      [0, "Hmm"],
      [11, "Hmmm"],
    ]);
  });
});

describe("sentenceBoundaries", () => {
  it("splits at . ? ! followed by a space or newline, at the start of the next sentence", () => {
    const text = "First one. Second? Third!\nFourth.";
    expect(sentenceBoundaries(text).map((b) => text.slice(b, b + 3))).toEqual(["Sec", "Thi", "Fou"]);
  });

  it("keeps numbers, abbreviations, list markers and punctuation runs together", () => {
    const text = "Pi is 3.14 here. Use e.g. the formula. Really?! Yes... ok.\n1. Expand it.\n2. Then x = 2.5.";
    const starts = sentenceBoundaries(text).map((b) => text.slice(b, b + 6));
    expect(starts).toEqual(["Use e.", "Really", "Yes...", "ok.\n1.", "1. Exp", "2. The"]);
  });

  it("ignores everything inside code fences, and a last sentence with nothing after it", () => {
    const text = "Check it. Now code.\n```python\nx = 1. \nprint(x)! \n```\nDone. ";
    const starts = sentenceBoundaries(text).map((b) => text.slice(b, b + 4));
    expect(starts).toEqual(["Now ", "```p"]);
    expect(sentenceBoundaries("Unclosed. \n```python\na = 1. b\n")).toEqual([11]);
  });

  it("closing quotes and brackets belong to the sentence they end", () => {
    const text = 'He said "stop." Then (it ends.) Next';
    expect(sentenceBoundaries(text).map((b) => text.slice(b, b + 4))).toEqual(["Then", "Next"]);
  });
});

describe("sentencePositions", () => {
  it("takes every k-th boundary of the thinking of a real trace", () => {
    const t = traces[0]!;
    const segments = asTrace(t);
    const all = sentencePositions({ segments, endOfThinking: "</think>" }, 1);
    const third = sentencePositions({ segments, endOfThinking: "</think>" }, 3);
    expect(all.length).toBeGreaterThan(30);
    expect(third.map((p) => p.offset)).toEqual(all.filter((_, i) => (i + 1) % 3 === 0).map((p) => p.offset));
    const thinkingEnd = t.completion.indexOf("</think>");
    for (const p of all) {
      expect(p.offset).toBeLessThan(thinkingEnd);
      expect(/[.?!]["'”’)\]]*\s+$/.test(t.completion.slice(0, p.offset))).toBe(true);
      expect(/\s/.test(t.completion[p.offset]!)).toBe(false);
      expect(p.textOffset).toBe(t.prompt.length + p.offset);
    }
  });
});

describe("sentencePositions across segments", () => {
  it("reads model text after a code hint as code until its fence closes, and skips hint text", () => {
    const segments = [
      seg(0, "prompt", "Q. A.\n<think>\n"),
      seg(1, "model", "I think so. Let me check"),
      seg(2, "hint", "Wait, verify. Use code.\n```python\n"),
      seg(3, "model", "x = 1. \nprint(x)! \n```\n"),
      seg(4, "tool_output", "```output\n1. \n```\n"),
      seg(5, "model", "So it is 1. Then more.\n</think>\nAnswer. Done."),
    ];
    const points = sentencePositions({ segments, endOfThinking: "</think>" }, 1);
    const whole = segments.map((s) => s.text).join("");
    expect(points.map((p) => [p.segment, whole.slice(p.textOffset, p.textOffset + 4)])).toEqual([
      [1, "Let "],
      [5, "Then"],
    ]);
    expect(points.map((p) => p.sentence)).toEqual([1, 2]);
  });
});

describe("points", () => {
  const segments = [seg(0, "prompt", "abc"), seg(1, "model", "defg"), seg(2, "hint", "HI"), seg(3, "model", "xyz")];

  it("converts between {segment, offset} and whole-text offsets, a boundary being the earlier segment's end", () => {
    expect(textOffsetOf(segments, { segment: 3, offset: 1 })).toBe(10);
    expect(pointAtTextOffset(segments, 10)).toEqual({ segment: 3, offset: 1, textOffset: 10 });
    expect(pointAtTextOffset(segments, 7)).toEqual({ segment: 1, offset: 4, textOffset: 7 });
    expect(() => pointAtTextOffset(segments, 13)).toThrow(/past the end/);
    expect(() => textOffsetOf(segments, { segment: 1, offset: 5 })).toThrow(/past the end of segment 1/);
  });

  it("resolves the i-th paused event", () => {
    const events: TraceEvent[] = [
      { type: "run-started", at: 0 },
      { type: "paused", at: 1, reason: "trigger", word: "Wait", offset: 7 },
      { type: "paused", at: 2, reason: "end-of-thinking", offset: 12 },
    ];
    expect(pausePoint(segments, events, 0)).toEqual({ segment: 1, offset: 4, textOffset: 7 });
    expect(pausePoint(segments, events, 1)).toEqual({ segment: 3, offset: 3, textOffset: 12 });
    expect(() => pausePoint(segments, events, 2)).toThrow(/pause 2 does not exist \(the trace paused 2 times\)/);
  });
});
