import type { Trace } from "@/lib/protocol";
import { codePointLength, splitForTraining } from "./text";
import type { ExportOptions } from "./options";

/**
 * TRL prompt/completion: `prompt` is the rendered prompt exactly as the model saw it (template
 * included), `completion` the rest of the trace text, and `completion_char_mask` a run-length
 * character mask over the completion: `[[start, end, 1|0], …]`, half-open, contiguous, covering
 * it from 0 to its length, counted in Unicode code points (Python `str` indices), 1 = train.
 * Not named `completion_mask`: TRL writes its own token-level column of that name.
 */
export function trlRecord(trace: Trace, opts: ExportOptions): object {
  const { prompt, chunks } = splitForTraining(trace, opts.edited ?? true);
  const mask: [number, number, 0 | 1][] = [];
  let at = 0;
  for (const c of chunks) {
    const end = at + codePointLength(c.text);
    mask.push([at, end, c.train ? 1 : 0]);
    at = end;
  }
  return { prompt, completion: chunks.map((c) => c.text).join(""), completion_char_mask: mask };
}
