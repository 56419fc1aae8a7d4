import type { Trace } from "@/lib/protocol";
import { storedSegmentShape } from "./stored-segments";
import { isTrained } from "./text";
import type { ExportOptions } from "./options";

/**
 * The `trl` and `openai` lines of a trace built from its stored segment JSON (see
 * storedSegmentsWithTrain) without parsing the texts: the text of a run is the concatenation of
 * its segments' texts, and a JSON string's escaped form is the concatenation of its pieces'
 * escaped forms, except where a lone surrogate at the end of one piece meets its other half at
 * the start of the next (JSON.stringify escapes lone surrogates, not pairs). So any escaped
 * surrogate (`\ud…`) declines, as does any stored segment not in the schema's shape and an
 * edited view that differs from the stored segments (edits to apply): the caller parses then.
 * Same bytes as trlRecord/openaiRecord + toJsonlLine otherwise (lib/db/export-copy.test.ts).
 */
export function storedTrainingLine(format: "trl" | "openai", trace: Trace, stored: readonly string[], opts: ExportOptions): string | undefined {
  if ((opts.edited ?? true) && trace.edits?.length) return undefined;
  let prompt = "";
  const runs: { text: string; train: boolean }[] = [];
  let leading = true;
  for (const json of stored) {
    const shape = storedSegmentShape(json);
    if (!shape || shape.text.includes("\\ud")) return undefined;
    if (leading && shape.kind === "prompt") {
      prompt += shape.text;
      continue;
    }
    leading = false;
    // splitForTraining's runs: maximal runs of equal loss over the non-empty texts.
    if (!shape.text) continue;
    const train = isTrained(shape.kind);
    const last = runs[runs.length - 1];
    if (last && last.train === train) last.text += shape.text;
    else runs.push({ text: shape.text, train });
  }
  if (format === "trl") {
    const mask: [number, number, 0 | 1][] = [];
    let at = 0;
    for (const r of runs) {
      const end = at + escapedCodePoints(r.text);
      mask.push([at, end, r.train ? 1 : 0]);
      at = end;
    }
    return `{"prompt":"${prompt}","completion":"${runs.map((r) => r.text).join("")}","completion_char_mask":${JSON.stringify(mask)}}\n`;
  }
  const head = [...(opts.system !== undefined ? [{ role: "system", content: opts.system }] : []), { role: "user", content: trace.problem.statement }];
  const assistant = runs.length ? runs.map((r) => `{"role":"assistant","content":"${r.text}","weight":${r.train ? 1 : 0}}`).join(",") : '{"role":"assistant","content":"","weight":0}';
  return `{"messages":[${JSON.stringify(head).slice(1, -1)},${assistant}]}\n`;
}

/**
 * Code points of the string whose JSON.stringify form (without quotes) is `escaped`, with no
 * escaped surrogates in it: every `\x` escape is one character, `\uXXXX` one, and each raw
 * surrogate pair one code point.
 */
function escapedCodePoints(escaped: string): number {
  let units = escaped.length;
  for (let i = escaped.indexOf("\\"); i >= 0; i = escaped.indexOf("\\", i)) {
    const u = escaped.charCodeAt(i + 1) === 117; /* u */
    units -= u ? 5 : 1;
    i += u ? 6 : 2;
  }
  const pairs = escaped.match(HIGH_SURROGATES)?.length ?? 0;
  return units - pairs;
}

const HIGH_SURROGATES = /[\uD800-\uDBFF]/g;
