import { compileTriggers, scanNext, type ScanMode } from "@/lib/engine";
import { AppError, type Segment, type TraceEvent } from "@/lib/protocol";

/** A resolved point of a trace: `offset` chars into `segment`, `textOffset` chars into the whole trace text (all segments, prompt included). */
export interface TracePoint {
  segment: number;
  offset: number;
  textOffset: number;
  /** Position sweeps: the trigger word found there, or the sentence boundary's ordinal (1-based). */
  trigger?: string;
  sentence?: number;
}

/** Whole-text offset of `{segment, offset}` (the offset the engine's `paused` events carry). */
export function textOffsetOf(segments: readonly Segment[], at: { segment: number; offset: number }): number {
  const target = segments[at.segment];
  if (!target) throw new AppError("bad-request", `segment ${at.segment} does not exist (the trace has ${segments.length})`);
  if (at.offset > target.text.length) throw new AppError("bad-request", `offset ${at.offset} is past the end of segment ${at.segment} (length ${target.text.length})`);
  let n = 0;
  for (let i = 0; i < at.segment; i++) n += segments[i]!.text.length;
  return n + at.offset;
}

/**
 * `{segment, offset}` of a whole-text offset. On a boundary between segments this is the end of
 * the earlier one: a pause happens after the text the model wrote, before whatever was injected.
 */
export function pointAtTextOffset(segments: readonly Segment[], textOffset: number): TracePoint {
  let start = 0;
  for (let i = 0; i < segments.length; i++) {
    const len = segments[i]!.text.length;
    if (textOffset <= start + len) return { segment: i, offset: textOffset - start, textOffset };
    start += len;
  }
  throw new AppError("bad-request", `offset ${textOffset} is past the end of the trace (length ${start})`);
}

/** The point of the i-th (0-based) `paused` event of a trace. */
export function pausePoint(segments: readonly Segment[], events: readonly TraceEvent[], index: number): TracePoint {
  const pauses = events.filter((e): e is Extract<TraceEvent, { type: "paused" }> => e.type === "paused");
  const pause = pauses[index];
  if (!pause) throw new AppError("bad-request", `pause ${index} does not exist (the trace paused ${pauses.length} time${pauses.length === 1 ? "" : "s"})`);
  return pointAtTextOffset(segments, pause.offset);
}

export interface PositionSource {
  segments: readonly Segment[];
  /** The source trace's triggers (`config.triggers`; `/regex/flags` entries allowed). */
  triggers: readonly string[];
  /** End-of-thinking marker of its template (`</think>`), or null: nothing after it is a position. */
  endOfThinking: string | null;
}

/**
 * Every place the engine would pause at a trigger, scanning the model segments with the engine's
 * own scanner (`scanNext`): word boundaries, regex triggers, never inside a python block or
 * after the end-of-thinking marker. The offset points at the trigger word (the engine cuts there).
 */
export function triggerPositions(source: PositionSource): TracePoint[] {
  const matcher = compileTriggers(source.triggers);
  const out: TracePoint[] = [];
  walkModelText(source, (text, prev, mode, base) => {
    const found: { index: number; end: number; word: string }[] = [];
    let pos = 0;
    while (pos < text.length) {
      const scanMode: ScanMode = { ...mode.current, triggers: mode.thinkingClosed ? null : matcher, marker: mode.thinkingClosed ? null : source.endOfThinking };
      const r = scanNext(prev(pos), text.slice(pos), 0, scanMode, true);
      if (!r.hit) break;
      const hit = { ...r.hit, index: r.hit.index + pos, end: r.hit.end + pos };
      if (hit.kind === "trigger") found.push({ index: hit.index, end: hit.end, word: hit.word });
      else if (hit.kind === "code-open") mode.current = { ...mode.current, inCode: true };
      else if (hit.kind === "code-close") mode.current = { ...mode.current, inCode: false };
      else mode.thinkingClosed = true;
      // A zero-length advance would loop forever (a code-close whose `end` is its index).
      pos = Math.max(hit.end, hit.index + 1);
    }
    for (const f of found) out.push({ ...base(f.index), trigger: f.word });
  });
  return out;
}

/**
 * Every k-th sentence boundary of the model's thinking (k = 1: every one), outside code fences.
 * The offset is the start of the next sentence (after the punctuation and its whitespace).
 */
export function sentencePositions(source: Omit<PositionSource, "triggers">, k: number): TracePoint[] {
  const out: TracePoint[] = [];
  let ordinal = 0;
  let closed = false;
  for (let i = 0; i < source.segments.length && !closed; i++) {
    const seg = source.segments[i]!;
    if (seg.kind !== "model") continue;
    let text = seg.text;
    const m = source.endOfThinking ? text.indexOf(source.endOfThinking) : -1;
    if (m !== -1) {
      text = text.slice(0, m);
      closed = true;
    }
    const start = textOffsetOf(source.segments, { segment: i, offset: 0 });
    const prev = source.segments[i - 1];
    const startsInCode = prev?.kind === "hint" && CODE_HINT_END.test(prev.text);
    for (const b of sentenceBoundaries(text, { startsInCode })) {
      ordinal++;
      if (ordinal % k === 0) out.push({ segment: i, offset: b, textOffset: start + b, sentence: ordinal });
    }
  }
  return out;
}

/** A hint that ends in an opened python fence: the model segment after it starts in code. */
const CODE_HINT_END = /```(python|py)[ \t]*\n$/;

/** Abbreviations whose period does not end a sentence (lower-cased, without the final period). */
const ABBREVIATIONS = new Set(["e.g", "i.e", "cf", "vs", "approx", "fig", "eq", "dr", "mr", "mrs", "ms", "no", "resp", "st"]);

/**
 * Sentence boundaries of model text: after `.`, `?` or `!` (a run such as `?!` or `...`, then
 * closing quotes or brackets) followed by a space or newline and more text. Not a boundary: a
 * decimal or version (`3.14`, no space follows), an abbreviation (`e.g. `), a numbered-list
 * marker (`1. ` at a line start), anything inside a ``` fence. `startsInCode`: the text continues
 * a block opened before it (model text after a code hint). Returns the offsets where the next
 * sentence starts.
 */
export function sentenceBoundaries(text: string, opts: { startsInCode?: boolean } = {}): number[] {
  const out: number[] = [];
  const fenced = fenceRanges(text, opts.startsInCode ?? false);
  let f = 0;
  const re = /[.?!]+["'”’)\]]*(?=[ \t\r\n])/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const at = m.index;
    while (f < fenced.length && fenced[f]![1] <= at) f++;
    if (f < fenced.length && fenced[f]![0] <= at) continue;
    if (m[0][0] === "." && m[0].length === 1 && !endsSentenceAtPeriod(text, at)) continue;
    let next = at + m[0].length;
    while (next < text.length && /\s/.test(text[next]!)) next++;
    if (next >= text.length) continue;
    // A boundary whose next sentence opens a fence is kept: the hint goes before the code.
    out.push(next);
  }
  return out;
}

/** A lone `.` at `at`: false for abbreviations and list markers. */
function endsSentenceAtPeriod(text: string, at: number): boolean {
  const lineStart = text.lastIndexOf("\n", at - 1) + 1;
  const word = /[\p{L}\p{N}.]*$/u.exec(text.slice(lineStart, at))?.[0] ?? "";
  if (ABBREVIATIONS.has(word.toLowerCase())) return false;
  // "1. " / "12. " alone at a line start is an enumeration, not the end of a sentence.
  if (/^\s*\d{1,3}$/.test(text.slice(lineStart, at))) return false;
  return true;
}

/** [start, end) of every ``` fenced block (an unclosed fence runs to the end). Fences open and close at line starts, as the engine reads them. */
function fenceRanges(text: string, startsInCode: boolean): [number, number][] {
  const out: [number, number][] = [];
  const re = /^```[^\n]*$/gm;
  let open: number | null = startsInCode ? 0 : null;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (open === null) open = m.index;
    else {
      out.push([open, m.index + m[0].length]);
      open = null;
    }
  }
  if (open !== null) out.push([open, text.length]);
  return out;
}

interface WalkMode {
  current: Pick<ScanMode, "inCode">;
  thinkingClosed: boolean;
}

/**
 * Calls `visit` for each model segment with the scan mode carried over from the segments before
 * (a hint ending in an opened python fence puts the model in code, as the engine sees it).
 */
function walkModelText(
  source: PositionSource,
  visit: (text: string, prev: (pos: number) => string, mode: WalkMode, base: (index: number) => TracePoint) => void,
): void {
  const mode: WalkMode = { current: { inCode: false }, thinkingClosed: false };
  let start = 0;
  const whole = source.segments.map((s) => s.text).join("");
  source.segments.forEach((seg, i) => {
    const segStart = start;
    start += seg.text.length;
    if (seg.kind === "hint" || seg.kind === "tool_output") {
      // A code hint ends in an opened fence; a tool output follows a closed block.
      mode.current = { ...mode.current, inCode: seg.kind === "hint" && CODE_HINT_END.test(seg.text) };
      return;
    }
    if (seg.kind !== "model") return;
    visit(
      seg.text,
      (pos) => (segStart + pos > 0 ? whole[segStart + pos - 1]! : ""),
      mode,
      (index) => ({ segment: i, offset: index, textOffset: segStart + index }),
    );
  });
}
