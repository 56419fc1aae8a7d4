/** Every `\boxed{…}` (or `\fbox{…}`) in text, in order: its content and where the box starts and ends. */
export function extractBoxes(text: string): { content: string; start: number; end: number }[] {
  const out: { content: string; start: number; end: number }[] = [];
  const re = /\\(?:boxed|fbox)\s*\{/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const open = m.index + m[0].length;
    let depth = 1;
    let close = -1;
    for (let i = open; i < text.length; i++) {
      const c = text[i];
      if (c === "\\") {
        i++;
        continue;
      }
      if (c === "{") depth++;
      else if (c === "}" && --depth === 0) {
        close = i;
        break;
      }
    }
    // An unclosed box holds everything after it: no later box can close either.
    if (close === -1) break;
    out.push({ content: text.slice(open, close).trim(), start: m.index, end: close + 1 });
    re.lastIndex = close + 1;
  }
  return out;
}

/** Content of the last `\boxed{…}` (or `\fbox{…}`) in text, with nested braces; undefined if none. */
export function extractLastBoxed(text: string): string | undefined {
  const re = /\\(?:boxed|fbox)\s*\{/g;
  let start = -1;
  for (let m = re.exec(text); m; m = re.exec(text)) start = m.index + m[0].length;
  if (start === -1) {
    const bare = /\\boxed\s+([^\s$]+)/g;
    let last: string | undefined;
    for (let m = bare.exec(text); m; m = bare.exec(text)) last = m[1];
    return last;
  }
  let depth = 1;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return text.slice(start, i).trim();
  }
  return undefined;
}

/**
 * Fallback forms used by evaluation harnesses: "the answer is X", "The answer is: X", "**Answer:** X".
 * Whitespace runs are collapsed to one character first and the star run is bounded, so the
 * regex cannot backtrack quadratically over a long run (a whole response is scanned).
 */
export function extractAnswerPhrase(text: string): string | undefined {
  const flat = text.replace(/[^\S\n]+/g, " ").replace(/ ?\n\s*/g, "\n");
  const re = /(?:final answer|the answer|^[ \t*#]*answer)\s?(?:is\s?:?|:)\s?\*{0,4}\s?\$?([^\n$]+?)\$?\s?(?:\.\s|\.$|\n|$)/gim;
  let last: string | undefined;
  for (let m = re.exec(flat); m; m = re.exec(flat)) last = m[1]!.trim();
  return last;
}

/** The final answer of a math response: the last boxed expression, else an "answer is" phrase. */
export function extractMathAnswer(text: string): string | undefined {
  return extractLastBoxed(text) ?? extractAnswerPhrase(text);
}

/** The last fenced python block of a code response (the program to grade). */
export function extractLastCodeBlock(text: string): string | undefined {
  const re = /```(?:python|py)[ \t]*\n([\s\S]*?)```/g;
  let last: string | undefined;
  for (let m = re.exec(text); m; m = re.exec(text)) last = m[1];
  return last;
}
