import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SegmentSchema, type Segment } from "@/lib/protocol";
import { exportTrace, isTrained, storedSegmentsWithTrain } from "./index";

const GOLDEN = path.resolve(import.meta.dirname, "__golden__/input.jsonl");
/** What TraceStore writes for segments: each JSON.stringify'd. */
const stored = (segments: object[]) => segments.map((s) => JSON.stringify(s));
/** The parsing path's array inside: SegmentSchema, then the native record's segments. */
const parsed = (segments: object[]) => {
  const trace = JSON.parse(readFileSync(GOLDEN, "utf8").split("\n")[0]!) as object;
  const record = exportTrace({ ...trace, segments: segments.map((s) => SegmentSchema.parse(s)) } as never, "segments")[0] as { segments: unknown[] };
  return JSON.stringify(record.segments).slice(1, -1);
};

describe("segments copied from their stored JSON", () => {
  it("are the parsing path's bytes for the golden traces' segments", () => {
    const traces = readFileSync(GOLDEN, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as { segments: Segment[] });
    for (const t of traces) expect(storedSegmentsWithTrain(stored(t.segments))).toBe(parsed(t.segments));
  });

  it("are the parsing path's bytes whatever the text holds (quotes, backslashes, braces, escapes, surrogates)", () => {
    const texts = ['say "hi"', "ends in a backslash \\", '\\"', '\\\\"', "},{\"id\":\"x\",\"kind\":\"model\"", "tab\tnew\nline\u0001\u2028", "emoji 😀 and lone \ud83d", "\udc00 low", ""];
    const segments: object[] = texts.map((text, i) => ({ id: `s-${i}`, kind: (["prompt", "model", "hint", "tool_output", "edit"] as const)[i % 5], text }));
    segments.push({ id: "h", kind: "hint", text: "Wait, use \\boxed{}", hintId: "math-general", reason: "trigger", trigger: "Wait" });
    segments.push({ id: "e", kind: "edit", text: "fixed", original: "brok\"en", editId: "edit-1", author: "ann" });
    expect(storedSegmentsWithTrain(stored(segments))).toBe(parsed(segments));
    expect(storedSegmentsWithTrain([])).toBe("");
    // train follows the kind, last in each segment.
    const one = JSON.parse(`[${storedSegmentsWithTrain(stored(segments))!}]`) as (Segment & { train: boolean })[];
    expect(one.map((s) => s.train)).toEqual(one.map((s) => isTrained(s.kind)));
  });

  it("are declined when the stored text is not in the schema's shape (the caller then parses)", () => {
    const ok = { id: "s", kind: "model", text: "x" };
    const declined = [
      stored([{ kind: "model", id: "s", text: "x" }]), // required keys out of order
      stored([{ id: "s", kind: "hint", text: "x", trigger: "Wait", hintId: "h" }]), // optional keys out of order
      stored([{ ...ok, extra: 1 }]), // a key the schema strips
      stored([{ ...ok, author: 7 }]), // not a string
      stored([{ ...ok, kind: "thought" }]), // unknown kind
      stored([{ ...ok, kind: "hint", reason: "boredom" }]), // unknown reason
      stored([ok, { ...ok, id: 5 }]),
      [`${stored([ok])[0]},`], // more after it
      [stored([ok])[0]!.slice(0, -2)], // cut off
      [stored([ok])[0]! + stored([ok])[0]!], // two in one
      [stored([ok])[0]!.replace(`"text"`, `"te\\u0078t"`)], // an escaped key
      [stored([{ ...ok, author: "a" }])[0]!.replace("}", `,"author":"b"}`)], // a key twice
    ];
    for (const json of declined) expect(storedSegmentsWithTrain(json), json.join()).toBeUndefined();
    expect(storedSegmentsWithTrain(stored([ok, ok]))).toBe(parsed([ok, ok]));
  });
});
