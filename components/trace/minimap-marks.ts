/**
 * Where the minimap's ticks go: triggers, injected hints, python code blocks and tool outputs,
 * as character positions in the trace's text (the prompt left out: it is shown folded).
 *
 * Works from the segments alone (no DOM), so it stays true whatever renders the text. A scanner
 * keeps each segment's marks: a finished segment is scanned once; the growing one while streaming
 * is scanned only past what it had already settled, so a chunk costs the same late and early.
 */
import type { Segment } from "@/lib/protocol";

export type MarkKind = "trigger" | "hint" | "code" | "output";

export interface MinimapMark {
  kind: MarkKind;
  /** Index of the segment in the list given (its data-seg-index in the trace view). */
  segment: number;
  /** Offset in that segment's text. */
  offset: number;
  /** Position in the shown text: characters of the non-prompt segments before it. */
  pos: number;
  /** What a tooltip says: the trigger's word, the hint's id, … */
  label: string;
}

export interface MinimapLayout {
  marks: MinimapMark[];
  /** Characters of the non-prompt segments: the strip's full height. */
  total: number;
}

/** A mark inside its segment, before the segment's place in the trace is known. */
interface LocalMark {
  kind: MarkKind;
  offset: number;
  label: string;
}

// A ```python fence at a line start opens a code block (the same rule as blocks.ts).
const FENCE = /^```(?:python|py)[ \t]*$/gm;
// A hint that ends in an opened fence: the model text after it starts inside a code block.
const OPENS_CODE = /```(?:python|py)[ \t]*\n?$/;

// Matches that start this close to the end of a growing text may still change (a trigger cut in
// the middle, a fence line without its newline yet): they are scanned again with the next chunk.
// Triggers longer than this (a long /regex/) can be found late, never wrongly.
const SETTLE_MARGIN = 64;

function scanRegex(re: RegExp, text: string, from: number, until: number, kind: MarkKind, out: LocalMark[]): void {
  re.lastIndex = from;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index >= until) break;
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    out.push({ kind, offset: m.index, label: kind === "code" ? "python code" : m[0] });
  }
}

/** Marks of model text in [from, until) (match starts), triggers and fences in text order. */
function scanModelText(text: string, triggers: RegExp | null, from: number, until: number, startsInCode: boolean): LocalMark[] {
  const out: LocalMark[] = [];
  if (startsInCode && from === 0) out.push({ kind: "code", offset: 0, label: "python code" });
  if (triggers) scanRegex(triggers, text, from, until, "trigger", out);
  scanRegex(FENCE, text, from, until, "code", out);
  return out.sort((a, b) => a.offset - b.offset);
}

interface Entry {
  text: string;
  triggers: RegExp | null;
  startsInCode: boolean;
  /** Marks starting before `settled`: final for this text and every text that extends it. */
  settledMarks: LocalMark[];
  settled: number;
  /** settledMarks plus the marks of the unsettled tail, the same array while nothing changed. */
  marks: LocalMark[];
}

function fixedMarks(s: Segment): LocalMark[] {
  if (s.kind === "hint") return [{ kind: "hint", offset: 0, label: s.hintId ?? "hint" }];
  if (s.kind === "tool_output") return [{ kind: "output", offset: 0, label: "tool output" }];
  return [];
}

function sameMarks(a: readonly LocalMark[], b: readonly LocalMark[]): boolean {
  return a.length === b.length && a.every((m, i) => m.offset === b[i]!.offset && m.kind === b[i]!.kind && m.label === b[i]!.label);
}

/**
 * One segment's marks, reusing `prev` when the text is the same or extends it. Segments of a live
 * trace only grow by appending, so a longer text under the same id is taken as an extension
 * (checking the prefix would cost what the cache saves); any other change is scanned afresh.
 */
function segmentEntry(s: Segment, triggers: RegExp | null, startsInCode: boolean, prev: Entry | undefined): Entry {
  if (prev && prev.text === s.text && prev.triggers === triggers && prev.startsInCode === startsInCode) return prev;
  if (s.kind !== "model" && s.kind !== "edit") {
    const marks = fixedMarks(s);
    return { text: s.text, triggers, startsInCode, settledMarks: marks, settled: s.text.length, marks: prev && sameMarks(prev.marks, marks) ? prev.marks : marks };
  }
  const grows = prev && prev.triggers === triggers && prev.startsInCode === startsInCode && s.text.length > prev.text.length;
  const from = grows ? prev.settled : 0;
  const settledMarks = grows ? prev.settledMarks : [];
  const settled = Math.max(from, s.text.length - SETTLE_MARGIN);
  const fresh = scanModelText(s.text, triggers, from, s.text.length, startsInCode);
  const newlySettled = fresh.filter((m) => m.offset < settled);
  const tail = newlySettled.length === fresh.length ? [] : fresh.slice(newlySettled.length);
  const nextSettled = newlySettled.length ? [...settledMarks, ...newlySettled] : settledMarks;
  const marks = tail.length ? [...nextSettled, ...tail] : nextSettled;
  return { text: s.text, triggers, startsInCode, settledMarks: nextSettled, settled, marks: prev && sameMarks(prev.marks, marks) ? prev.marks : marks };
}

/**
 * A stateful scanner for one trace view: `scan` gives the layout of the segments shown now, and
 * returns the very same `marks` array while no tick moved (a growing tail without a new trigger),
 * so a memoized tick list does not re-render per chunk.
 */
export function createMarkScanner(): { scan(segments: readonly Segment[], triggers: RegExp | null): MinimapLayout } {
  let entries = new Map<string, Entry>();
  let last: { parts: LocalMark[][]; bases: number[]; layout: MinimapLayout } | null = null;
  return {
    scan(segments, triggers) {
      const next = new Map<string, Entry>();
      const parts: LocalMark[][] = [];
      const bases: number[] = [];
      let total = 0;
      let prevSegment: Segment | undefined;
      for (const s of segments) {
        const after = prevSegment;
        prevSegment = s;
        if (s.kind === "prompt") {
          parts.push([]);
          bases.push(total);
          continue;
        }
        const startsInCode = after?.kind === "hint" && OPENS_CODE.test(after.text);
        const e = segmentEntry(s, triggers, startsInCode, entries.get(s.id));
        next.set(s.id, e);
        parts.push(e.marks);
        bases.push(total);
        total += s.text.length;
      }
      entries = next;
      const unchanged = last !== null && last.parts.length === parts.length && parts.every((p, i) => p === last!.parts[i] && bases[i] === last!.bases[i]);
      if (unchanged && last) {
        if (last.layout.total !== total) last = { ...last, layout: { marks: last.layout.marks, total } };
        return last.layout;
      }
      const marks: MinimapMark[] = [];
      parts.forEach((p, i) => {
        for (const m of p) marks.push({ ...m, segment: i, pos: bases[i]! + m.offset });
      });
      last = { parts, bases, layout: { marks, total } };
      return last.layout;
    },
  };
}

/** The layout of a whole trace at once (a stored trace, tests). */
export function minimapLayout(segments: readonly Segment[], triggers: RegExp | null): MinimapLayout {
  return createMarkScanner().scan(segments, triggers);
}
