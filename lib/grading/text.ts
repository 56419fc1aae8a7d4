/** Bracket- and brace-aware text helpers shared by the answer normaliser, parser and LaTeX reader. */
/** `s` without trailing characters in `chars` (a loop: `/[.\s]+$/` backtracks quadratically). */
export function trimEndChars(s: string, chars: string): string {
  let end = s.length;
  while (end > 0 && chars.includes(s[end - 1]!)) end--;
  return s.slice(0, end);
}

/** Deepest nesting of (), [], {} (unclosed openers count). */
export function nestingDepth(s: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 40 || c === 91 || c === 123) max = Math.max(max, ++depth);
    else if (c === 41 || c === 93 || c === 125) depth = Math.max(0, depth - 1);
  }
  return max;
}

/** Index of the brace closing the one opened just before `open` (or -1). */
export function closeBrace(s: string, open: number): number {
  let depth = 1;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i;
  }
  return -1;
}

/** Replace `\cmd{X}` by fn(X) for every occurrence (nested braces respected). */
export function replaceCommandArg(s: string, cmd: RegExp, fn: (inner: string) => string): string {
  for (let guard = 0; guard < 200; guard++) {
    const m = cmd.exec(s);
    if (!m) return s;
    const open = m.index + m[0].length;
    const close = closeBrace(s, open);
    if (close === -1) return s;
    s = s.slice(0, m.index) + fn(s.slice(open, close)) + s.slice(close + 1);
  }
  return s;
}
/** Split at commas (or `sep`) that are not nested in brackets or braces. */
export function splitTop(s: string, sep: RegExp = /,/y): string[] {
  const out: string[] = [];
  let depth = 0;
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "\\" && (s[i + 1] === "{" || s[i + 1] === "}")) {
      depth += s[i + 1] === "{" ? 1 : -1;
      i++;
      continue;
    }
    if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
    else if (depth === 0) {
      sep.lastIndex = i;
      const m = sep.exec(s);
      if (m) {
        out.push(s.slice(last, i));
        last = i + m[0].length;
        i = last - 1;
      }
    }
  }
  out.push(s.slice(last));
  return out.map((x) => x.trim());
}

/** Whether the brackets at s[0] and s[end] enclose the whole string as one group. */
export function enclosed(s: string, open: string, close: string): boolean {
  if (!open.includes(s[0]!) || !close.includes(s.at(-1)!)) return false;
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
    if (depth === 0 && i < s.length - 1) return false;
  }
  return true;
}
