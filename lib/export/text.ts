import type { Segment, SegmentKind, Trace } from "@/lib/protocol";
import { deriveEdited } from "@/lib/engine";

/** Which segment kinds a trainer learns from: the model's own text and annotators' corrections. */
export function isTrained(kind: SegmentKind): boolean {
  return kind === "model" || kind === "edit";
}

/** A maximal run of adjacent segments with the same loss setting (text is their concatenation). */
export interface Chunk {
  text: string;
  train: boolean;
}

/**
 * A trace split the way every training format needs it: `prompt` is the leading run of `prompt`
 * segments (the rendered template), `chunks` the rest merged into runs of equal `train`. The
 * concatenation `prompt + chunks.map(text)` is exactly the trace text (edited view when asked).
 */
export function splitForTraining(trace: Pick<Trace, "segments" | "edits">, edited: boolean): { prompt: string; chunks: Chunk[] } {
  const segments = edited ? deriveEdited(trace.segments, trace.edits).segments : trace.segments;
  let i = 0;
  let prompt = "";
  for (; i < segments.length && segments[i]!.kind === "prompt"; i++) prompt += segments[i]!.text;
  return { prompt, chunks: runs(segments.slice(i)) };
}

function runs(segments: readonly Segment[]): Chunk[] {
  const out: Chunk[] = [];
  for (const s of segments) {
    const train = isTrained(s.kind);
    const last = out[out.length - 1];
    if (last && last.train === train) last.text += s.text;
    else out.push({ text: s.text, train });
  }
  // Empty runs (an edit that deleted a span, an empty segment) carry no text and no loss.
  return mergeAdjacent(out.filter((c) => c.text.length > 0));
}

function mergeAdjacent(chunks: Chunk[]): Chunk[] {
  const out: Chunk[] = [];
  for (const c of chunks) {
    const last = out[out.length - 1];
    if (last && last.train === c.train) last.text += c.text;
    else out.push({ ...c });
  }
  return out;
}

/** Length in Unicode code points (Python's `len(str)`), not UTF-16 units. */
export function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/** Up to `n` code points of `text` ending at UTF-16 index `at` (never splits a surrogate pair). */
export function codePointsBefore(text: string, at: number, n: number): string {
  let i = at;
  for (let k = 0; k < n && i > 0; k++) i -= i >= 2 && isLow(text.charCodeAt(i - 1)) && isHigh(text.charCodeAt(i - 2)) ? 2 : 1;
  return text.slice(i, at);
}

/** Up to `n` code points of `text` starting at UTF-16 index `at`. */
export function codePointsAfter(text: string, at: number, n: number): string {
  let i = at;
  for (let k = 0; k < n && i < text.length; k++) i += i + 1 < text.length && isHigh(text.charCodeAt(i)) && isLow(text.charCodeAt(i + 1)) ? 2 : 1;
  return text.slice(at, i);
}
