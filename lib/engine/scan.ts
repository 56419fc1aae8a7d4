/**
 * Finds pause points in streamed model text: trigger words at word boundaries, the
 * end-of-thinking marker, and python fences opening/closing at line start. Works on a buffer of
 * new text and reports how much of it is safe to commit; the rest is held back because it could
 * still become a match when the next chunk arrives (a trigger split across chunks).
 */

export interface TriggerMatcher {
  phrases: string[];
  regexes: RegExp[];
  /** Longest phrase, to bound the hold-back window. */
  maxLength: number;
}

/** Parse the configured triggers: `/source/flags` entries become regular expressions. */
export function compileTriggers(triggers: readonly string[]): TriggerMatcher {
  const phrases: string[] = [];
  const regexes: RegExp[] = [];
  for (const t of triggers) {
    const m = /^\/(.+)\/([a-z]*)$/s.exec(t);
    if (m) {
      const flags = m[2]!.includes("g") ? m[2]! : m[2]! + "g";
      regexes.push(new RegExp(m[1]!, flags));
    } else if (t.length > 0) {
      phrases.push(t);
    }
  }
  return { phrases, regexes, maxLength: Math.max(0, ...phrases.map((p) => p.length)) };
}

/** Throws a readable error for a trigger that is not a valid regex. */
export function validateTriggers(triggers: readonly string[]): string | null {
  try {
    compileTriggers(triggers);
    return null;
  } catch (e) {
    return `invalid trigger regex: ${(e as Error).message}`;
  }
}

const ASCII_WORD = /[A-Za-z0-9_]/;
/** The word-boundary rule of triggers: ASCII letters, digits and underscore. */
export const isWordChar = (c: string | undefined) => c !== undefined && ASCII_WORD.test(c);

export interface ScanMode {
  inCode: boolean;
  /** Scan for triggers (only while the model is thinking). */
  triggers: TriggerMatcher | null;
  /** End-of-thinking marker still to be seen, or null. */
  marker: string | null;
}

export type ScanHit =
  | { kind: "trigger"; index: number; end: number; word: string }
  | { kind: "marker"; index: number; end: number }
  | { kind: "code-open"; index: number; end: number }
  /** `end` is where model text is cut; `selfOutput` when the model began its own ```output block. */
  | { kind: "code-close"; index: number; end: number; selfOutput: boolean };

export interface ScanResult {
  hit?: ScanHit;
  /** Without a hit: text[from, safe) can be committed, text[safe…] must be held back. */
  safe: number;
}

/**
 * Scan `text` from `from`. `prev` is the character just before `text[0]` ("" at the very start).
 * `final` means no more text will come (stream ended): nothing is held back.
 */
export function scanNext(prev: string, text: string, from: number, mode: ScanMode, final: boolean): ScanResult {
  const before = (i: number) => (i > 0 ? text[i - 1] : prev);
  const atLineStart = (i: number) => {
    const c = before(i);
    return c === "\n" || c === "";
  };
  const candidates: ScanHit[] = [];
  let hold = text.length;

  // One or two backticks at the start of the last line may become a fence with the next chunk.
  if (!final) {
    const lastLine = text.lastIndexOf("\n") + 1;
    const tail = text.slice(Math.max(lastLine, from));
    if ((tail === "`" || tail === "``") && atLineStart(text.length - tail.length)) hold = text.length - tail.length;
  }

  // Fence lines: a line starting with ``` decides code open/close once the line is complete.
  for (let i = text.indexOf("```", from); i !== -1; i = text.indexOf("```", i + 3)) {
    if (!atLineStart(i)) continue;
    const nl = text.indexOf("\n", i);
    const line = nl === -1 ? text.slice(i) : text.slice(i, nl);
    if (mode.inCode) {
      if (line.startsWith("```output")) {
        candidates.push({ kind: "code-close", index: i, end: i, selfOutput: true });
      } else if (nl !== -1) {
        const rest = line.slice(3);
        candidates.push({ kind: "code-close", index: i, end: rest.trim() === "" ? nl + 1 : i + 3, selfOutput: false });
      } else if (final || line.length >= "```output".length) {
        candidates.push({ kind: "code-close", index: i, end: final ? text.length : i + 3, selfOutput: false });
      } else {
        hold = Math.min(hold, i);
      }
      break;
    }
    if (nl === -1) {
      if (!final && /^```(p(y(t(h(o(n)?)?)?)?)?)?[ \t]*$/.test(line)) hold = Math.min(hold, i);
      break;
    }
    if (/^```(python|py)[ \t]*$/.test(line)) {
      candidates.push({ kind: "code-open", index: i, end: nl + 1 });
      break;
    }
  }

  if (!mode.inCode) {
    const { triggers, marker } = mode;
    if (marker) {
      const i = text.indexOf(marker, from);
      if (i !== -1) candidates.push({ kind: "marker", index: i, end: i + marker.length });
    }
    if (triggers) {
      for (const phrase of triggers.phrases) {
        for (let i = text.indexOf(phrase, from); i !== -1; i = text.indexOf(phrase, i + 1)) {
          const end = i + phrase.length;
          // Word boundaries only where the phrase itself begins/ends with a word character, so
          // triggers like "等等" or "Wait," still match inside text without spaces.
          if (isWordChar(phrase[0]) && isWordChar(before(i))) continue;
          if (isWordChar(phrase[phrase.length - 1])) {
            if (end === text.length && !final) {
              hold = Math.min(hold, i);
              break;
            }
            if (isWordChar(text[end])) continue;
          }
          candidates.push({ kind: "trigger", index: i, end, word: phrase });
          break;
        }
      }
      for (const re of triggers.regexes) {
        re.lastIndex = from;
        const m = re.exec(text);
        if (!m || m[0].length === 0) continue;
        // A match touching the end of the buffer could still grow ("Hmm" + "m"): decide later.
        if (m.index + m[0].length === text.length && !final) hold = Math.min(hold, m.index);
        else candidates.push({ kind: "trigger", index: m.index, end: m.index + m[0].length, word: m[0] });
      }
    }
    if (!final) {
      // Hold a suffix that could still grow into a phrase or the marker.
      const patterns = [...(triggers?.phrases ?? []), ...(marker ? [marker] : [])];
      const maxLen = Math.max(triggers?.maxLength ?? 0, marker?.length ?? 0);
      for (let k = Math.min(maxLen - 1, text.length - from); k >= 1; k--) {
        const suffix = text.slice(text.length - k);
        if (patterns.some((p) => p.length > k && p.startsWith(suffix))) {
          hold = Math.min(hold, text.length - k);
          break;
        }
      }
    }
  }

  let hit: ScanHit | undefined;
  for (const c of candidates) if (c.index >= from && (!hit || c.index < hit.index)) hit = c;
  if (hit && hit.index <= hold) return { hit, safe: hit.index };
  return { safe: Math.max(from, hold) };
}
