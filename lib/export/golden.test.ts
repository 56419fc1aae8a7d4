import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { TraceSchema } from "@/lib/protocol";
import { exportTrace, FORMATS, toJsonlLine, type ExportFormat, type ExportOptions } from "./index";

// Golden files are written by __golden__/generate.mts from the real fixtures; a difference here
// is a change of the exported bytes that trainers will see. Regenerate only on purpose.
const DIR = path.join(import.meta.dirname, "__golden__");
const traces = readFileSync(path.join(DIR, "input.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => TraceSchema.parse(JSON.parse(l)));

const cases: { file: string; format: ExportFormat; opts: ExportOptions }[] = [
  ...FORMATS.map((format) => ({ file: `${format}.jsonl`, format, opts: {} })),
  { file: "segments-edited.jsonl", format: "segments", opts: { edited: true } },
];

describe("export formats against golden files", () => {
  it("has the five traces, one of them a Hint-infer trace with hints, tool outputs and edits", () => {
    expect(traces).toHaveLength(5);
    const h = traces[4]!;
    expect(h.segments.map((s) => s.kind)).toEqual(["prompt", "model", "hint", "model", "tool_output", "model", "hint", "model", "tool_output", "model"]);
    expect(h.edits).toHaveLength(2);
  });

  for (const c of cases) {
    it(`${c.file} is byte-identical`, () => {
      const out = traces.flatMap((t) => exportTrace(t, c.format, c.opts)).map(toJsonlLine).join("");
      expect(Buffer.from(out, "utf8").equals(readFileSync(path.join(DIR, c.file)))).toBe(true);
    });
  }
});
