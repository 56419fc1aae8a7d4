import type { Segment } from "@/lib/protocol";

/** A Hint-Library entry as far as import needs it: its id and its text as injected. */
export interface HintText {
  id: string;
  text: string;
  /** Budget hints (a bare "Wait") are never matched by text; callers leave them out. */
  purpose?: "tool" | "budget";
}

/** A segment without its id (ids are given when the whole trace is assembled). */
export type Piece = Omit<Segment, "id">;

/** One ```output block with the python code that produced it (the last block opened before it). */
export interface ToolRun {
  code: string;
  stdout: string;
}

const OUTPUT_FENCE = "```output";

/**
 * Split model-written text into segments where the text shows them:
 * - a ```output block (fence at line start, up to its closing ``` line and that line's newline,
 *   or to the end when unclosed) is a `tool_output` segment;
 * - an occurrence of a hint's text (built-ins and user hints; `{testcase}` matches any text) is a
 *   `hint` segment with that hint's id;
 * - everything else is `model` text, `</think>` included.
 * With `untrained`, the text is known to be injected (a weight-0 chunk, an observation turn):
 * what is not a tool output is a hint, with an id when its text is recognised.
 */
export function reconstruct(text: string, hints: readonly HintText[], untrained = false): { pieces: Piece[]; runs: ToolRun[] } {
  const pieces: Piece[] = [];
  const runs: ToolRun[] = [];
  let lastOutputEnd = 0;
  // Hints first: a hint's own text may show an example ```output block (the code-debug hints do).
  const gap = (from: number, to: number) => {
    if (to <= from) return;
    const part = text.slice(from, to);
    let at = 0;
    const rest = (end: number) => {
      if (end > at) pieces.push({ kind: untrained ? "hint" : "model", text: part.slice(at, end) });
    };
    for (const b of findOutputBlocks(part)) {
      rest(b.start);
      pieces.push({ kind: "tool_output", text: part.slice(b.start, b.end) });
      runs.push({ code: codeBefore(text.slice(lastOutputEnd, from + b.start)), stdout: part.slice(b.bodyStart, b.bodyEnd) });
      lastOutputEnd = from + b.end;
      at = b.end;
    }
    rest(part.length);
  };
  let at = 0;
  // A budget hint is a bare word ("Wait"): matched by text it would turn every "Wait" the model
  // wrote into an injected hint, so only tool hints are recognised.
  for (const h of findHints(text, hints.filter((x) => x.purpose !== "budget").map(compileHint))) {
    gap(at, h.start);
    pieces.push({ kind: "hint", text: text.slice(h.start, h.end), hintId: h.id });
    at = h.end;
  }
  gap(at, text.length);
  return { pieces, runs };
}

interface Block {
  start: number;
  end: number;
  bodyStart: number;
  bodyEnd: number;
}

export function findOutputBlocks(text: string): Block[] {
  const out: Block[] = [];
  let i = 0;
  for (;;) {
    const k = text.indexOf(OUTPUT_FENCE, i);
    if (k < 0) return out;
    const eol = text.indexOf("\n", k);
    const fenceEnd = eol < 0 ? text.length : eol;
    if ((k > 0 && text[k - 1] !== "\n") || text.slice(k + OUTPUT_FENCE.length, fenceEnd).trim() !== "") {
      i = k + OUTPUT_FENCE.length;
      continue;
    }
    if (eol < 0) {
      out.push({ start: k, end: text.length, bodyStart: text.length, bodyEnd: text.length });
      return out;
    }
    let j = eol + 1;
    let block: Block = { start: k, end: text.length, bodyStart: eol + 1, bodyEnd: text.length };
    while (j < text.length) {
      const e = text.indexOf("\n", j);
      const lineEnd = e < 0 ? text.length : e;
      if (/^```[ \t]*$/.test(text.slice(j, lineEnd))) {
        block = { start: k, end: e < 0 ? text.length : e + 1, bodyStart: eol + 1, bodyEnd: j };
        break;
      }
      if (e < 0) break;
      j = e + 1;
    }
    out.push(block);
    if (block.end >= text.length) return out;
    i = block.end;
  }
}

/** The code of the last ```python block in `region` (the text between two outputs). */
function codeBefore(region: string): string {
  const open = region.lastIndexOf("```python");
  if (open < 0) return "";
  const nl = region.indexOf("\n", open);
  if (nl < 0) return "";
  const body = region.slice(nl + 1);
  const close = body.match(/(^|\n)```[ \t]*\n?$/);
  return close ? body.slice(0, close.index! + close[1]!.length) : body;
}

interface HintMatcher {
  id: string;
  /** Literal parts; `{testcase}` between two parts matches any text (shortest). */
  parts: string[];
}

function compileHint(h: HintText): HintMatcher {
  return { id: h.id, parts: h.text.split("{testcase}") };
}

function matchAt(m: HintMatcher, text: string, from: number): { start: number; end: number } | undefined {
  const start = text.indexOf(m.parts[0]!, from);
  if (start < 0) return undefined;
  let end = start + m.parts[0]!.length;
  for (const part of m.parts.slice(1)) {
    // Missing after this start means missing after any later start too.
    const k = text.indexOf(part, end);
    if (k < 0) return undefined;
    end = k + part.length;
  }
  return { start, end };
}

/** Non-overlapping hint occurrences, left to right; at the same start the longest text wins. */
export function findHints(text: string, matchers: readonly HintMatcher[]): { id: string; start: number; end: number }[] {
  const out: { id: string; start: number; end: number }[] = [];
  const next = new Map<HintMatcher, { start: number; end: number } | undefined>();
  let pos = 0;
  for (;;) {
    let best: { id: string; start: number; end: number } | undefined;
    for (const m of matchers) {
      let hit = next.get(m);
      if (!next.has(m) || (hit && hit.start < pos)) {
        hit = matchAt(m, text, pos);
        next.set(m, hit);
      }
      if (hit && (!best || hit.start < best.start || (hit.start === best.start && hit.end > best.end))) best = { id: m.id, ...hit };
    }
    if (!best) return out;
    out.push(best);
    pos = best.end;
  }
}
