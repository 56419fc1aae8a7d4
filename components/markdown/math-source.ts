/**
 * Math delimiters as models write them, made readable for remark-math without moving a single
 * character: every change here keeps the text's length, so a source position remark reports is
 * an offset in the original text (selections, triggers and annotations depend on that).
 *
 * - `\(…\)` and `\[…\]` (as common in model output as `$…$`, and plain escaped brackets to a
 *   Markdown parser) become `$$…$$`, which remark-math reads as math of the same length; the
 *   offsets plugin makes `\[…\]` display math again (source-offsets.ts).
 * - A single `$` is math only by Pandoc's rule: the opener has a non-space character right
 *   after it, the closer a non-space character right before it and no digit right after it.
 *   "$5 and $10" is not math; `$12$-gon` and `$\frac{1}{2}$` are. Every other single dollar
 *   becomes CURRENCY, a private-use character the renderer turns back into `$`.
 * - Inline code spans and fenced code are left exactly as they are.
 */

/** Stands for a literal `$` while remark parses (U+E000, private use: never in model text). */
export const CURRENCY = "\uE000";

const isSpace = (c: string | undefined) => c === undefined || c === " " || c === "\t" || c === "\n" || c === "\r";
const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";

/** Backslashes immediately before i: an odd count escapes the character at i. */
function escaped(text: string, i: number): boolean {
  let n = 0;
  for (let j = i - 1; j >= 0 && text[j] === "\\"; j--) n++;
  return n % 2 === 1;
}

/** End of a run of `ch` starting at i. */
function runEnd(text: string, i: number, ch: string): number {
  let j = i;
  while (text[j] === ch) j++;
  return j;
}

/**
 * Ranges of code the math rules must not touch: fenced blocks (``` or ~~~ at a line start, to
 * the closing fence or the end) and inline code spans (a backtick run closed by a run of the
 * same length).
 */
export function codeRanges(text: string): [number, number][] {
  const out: [number, number][] = [];
  let i = 0;
  while (i < text.length) {
    const lineStart = i === 0 || text[i - 1] === "\n";
    const c = text[i];
    if (lineStart && (c === "`" || c === "~") && text.startsWith(c.repeat(3), i)) {
      const fence = text.slice(i, runEnd(text, i, c));
      const lineEnd = text.indexOf("\n", i);
      let close = lineEnd === -1 ? -1 : text.indexOf(`\n${fence}`, lineEnd);
      while (close !== -1 && !/^[`~]*[ \t]*(\n|$)/.test(text.slice(close + 1 + fence.length))) close = text.indexOf(`\n${fence}`, close + 1);
      const end = close === -1 ? text.length : (text.indexOf("\n", close + 1 + fence.length) + 1 || text.length);
      out.push([i, end]);
      i = end;
      continue;
    }
    if (c === "`") {
      const j = runEnd(text, i, "`");
      const fence = text.slice(i, j);
      let k = text.indexOf(fence, j);
      while (k !== -1 && (text[k + fence.length] === "`" || text[k - 1] === "`")) k = text.indexOf(fence, runEnd(text, k, "`"));
      if (k === -1) {
        i = j;
        continue;
      }
      out.push([i, k + fence.length]);
      i = k + fence.length;
      continue;
    }
    i++;
  }
  return out;
}

const lineStart = (text: string, i: number) => i === 0 || text[i - 1] === "\n";
const restOfLineBlank = (text: string, from: number) => /^[ \t]*(\n|$)/.test(text.slice(from, from + 200));

/** `\[` alone on its line … `\]` alone on its line: remark-math's display block, as is. */
function isCleanFlow(text: string, open: number, close: number): boolean {
  return text[open + 1] === "[" && lineStart(text, open) && restOfLineBlank(text, open + 2) && lineStart(text, close) && restOfLineBlank(text, close + 2);
}

/**
 * Anything else must stay inline math: `$$` at a line start would open remark-math's display
 * block (which then runs past the closer: models write `\]Compute …`). The line break before such a
 * delimiter becomes a space (a soft break renders as one anyway; the length is kept).
 */
function keepInline(text: string, chars: string[], open: number, close: number): void {
  for (const at of [open, close]) if (at > 0 && text[at - 1] === "\n") chars[at - 1] = " ";
  // At the very start of the block nothing precedes the opener: a line break right after it would
  // make `$$` a display fence, so that one becomes the space instead.
  if (open === 0 && text[2] === "\n") chars[2] = " ";
}

/** The text with math delimiters normalised as described above; same length as the input. */
export function prepareMathSource(text: string): string {
  if (!text.includes("$") && !text.includes("\\")) return text;
  const chars = text.split("");
  const code = codeRanges(text);
  let ci = 0;
  /** Next code range start at or after i (ranges are sorted), to skip over code. */
  const codeAt = (i: number): [number, number] | undefined => {
    while (ci < code.length && code[ci]![1] <= i) ci++;
    const r = code[ci];
    return r && r[0] <= i ? r : undefined;
  };
  // A closer must be found before the paragraph ends (math never spans a blank line).
  const paragraphEnd = (i: number) => {
    const p = text.indexOf("\n\n", i);
    return p === -1 ? text.length : p;
  };
  const inCode = (i: number) => code.some(([a, b]) => a <= i && i < b);

  let i = 0;
  while (i < text.length) {
    const r = codeAt(i);
    if (r) {
      i = r[1];
      continue;
    }
    const c = text[i];
    if (c === "\\" && (text[i + 1] === "(" || text[i + 1] === "[") && !escaped(text, i)) {
      const closer = text[i + 1] === "(" ? "\\)" : "\\]";
      const limit = paragraphEnd(i);
      let k = text.indexOf(closer, i + 2);
      while (k !== -1 && k < limit && (escaped(text, k) || inCode(k))) k = text.indexOf(closer, k + 2);
      if (k !== -1 && k < limit) {
        chars[i] = chars[i + 1] = "$";
        chars[k] = chars[k + 1] = "$";
        if (!isCleanFlow(text, i, k)) keepInline(text, chars, i, k);
        i = k + 2;
        continue;
      }
      i += 2;
      continue;
    }
    if (c === "$" && !escaped(text, i)) {
      const j = runEnd(text, i, "$");
      if (j - i >= 2) {
        // $$…$$: display (or inline) math as remark-math already reads it; skip to its closer.
        const k = text.indexOf(text.slice(i, j), j);
        i = k === -1 ? j : k + (j - i);
        continue;
      }
      // A single dollar: math only with a Pandoc-valid closer in the same paragraph.
      let close = -1;
      if (!isSpace(text[i + 1])) {
        const limit = paragraphEnd(i);
        for (let k = text.indexOf("$", i + 1); k !== -1 && k < limit; k = text.indexOf("$", k + 1)) {
          if (escaped(text, k) || inCode(k)) continue;
          if (text[k + 1] === "$") {
            k = runEnd(text, k, "$") - 1;
            continue;
          }
          if (!isSpace(text[k - 1]) && !isDigit(text[k + 1])) close = k;
          break;
        }
      }
      if (close === -1) {
        chars[i] = CURRENCY;
        i++;
        continue;
      }
      i = close + 1;
      continue;
    }
    i++;
  }
  return chars.join("");
}
