/** Normalising an answer's text: formatting, units, percent and number forms that never change its value. */
import { closeBrace, replaceCommandArg, trimEndChars } from "./text";

/** Unit words are looked for in this many trailing characters only (see `stripUnitTail`). */
const UNIT_TAIL_WINDOW = 300;

const UNIT_WORDS = [
  "degrees?", "deg", "cm", "centimeters?", "m", "meters?", "km", "kilometers?", "mm", "inch(?:es)?", "in", "feet", "foot", "ft",
  "yards?", "miles?", "mph", "units?", "square", "sq", "cubic", "dollars?", "cents?", "seconds?", "secs?", "s", "minutes?", "mins?",
  "hours?", "hrs?", "days?", "weeks?", "months?", "years?", "points?", "people", "students?", "ways?", "times", "grams?", "g", "kg",
  "pounds?", "lbs?", "ounces?", "oz", "liters?", "ml", "gallons?", "percent", "p\\.m\\.", "a\\.m\\.", "pm", "am", "rad(?:ians)?",
  "boxes", "cups?", "pieces?", "coins?", "marbles?", "books?", "eggs?", "pages?", "apples?", "balls?", "cars?", "numbers?",
  "integers?", "digits?", "outfits?", "games?", "handshakes?", "triangles?", "squares?", "edges?", "faces?", "vertices",
];
const UNIT_TAIL = new RegExp(`(?:\\s*\\b(?:${UNIT_WORDS.join("|")})\\b(?:\\s*\\^\\{?[23]\\}?)?\\.?)+\\s*$`, "i");

/**
 * `s` without a trailing unit phrase. The unit regex can backtrack quadratically over a long run
 * of unit-like words, so it only sees the last UNIT_TAIL_WINDOW characters, cut at a space so a
 * word is never split (a real unit tail is a few words).
 */
function stripUnitTail(s: string): string {
  if (s.length <= UNIT_TAIL_WINDOW) return s.replace(UNIT_TAIL, "");
  const cut = s.indexOf(" ", s.length - UNIT_TAIL_WINDOW);
  if (cut === -1) return s;
  return s.slice(0, cut) + s.slice(cut).replace(UNIT_TAIL, "");
}

export interface NormalizedAnswer {
  text: string;
  percent: boolean;
}

/** Remove formatting that never changes the value of an answer. */
export function normalizeAnswerText(answer: string): NormalizedAnswer {
  // Collapsing whitespace first means no `\s*` below can backtrack over a long run.
  let s = answer.replace(/\s+/g, " ").trim();
  s = s.replace(/^\\\[|\\\]$/g, "").replace(/^\\\(|\\\)$/g, "");
  s = trimEndChars(s.replace(/^\$+/, ""), "$").trim();
  s = s.replace(/\\displaystyle|\\left|\\right|\\big|\\Big|\\bigg|\\Bigg/g, "");
  s = s.replace(/\\[dt]frac/g, "\\frac").replace(/\\mbox\s*\{/g, "\\text{");
  // (Each rewrite below is guarded by a cheap test: this runs twice per pair on the hot path.)
  if (/slant|qq/.test(s)) s = s.replace(/\\leqslant|\\leqq/g, "\\leq").replace(/\\geqslant|\\geqq/g, "\\geq");
  // Unicode math that models write outside LaTeX (`−` is U+2212, not a hyphen).
  if (/[^\x00-\x7f]/.test(s)) s = s.replace(/−/g, "-").replace(/[≤⩽]/g, "\\leq ").replace(/[≥⩾]/g, "\\geq ").replace(/≠/g, "\\neq ").replace(/∞/g, "\\infty ");
  if (/[^\x00-\x7f]/.test(s)) s = s.replace(/∈/g, "\\in ").replace(/∪/g, "\\cup ").replace(/π/g, "\\pi ").replace(/[×·]/g, "\\cdot ").replace(/√(\d+|[a-z])/g, "\\sqrt{$1}");
  // Set-builder notation is its condition: `\{x \mid x > 2\}` is `x > 2`.
  const builder = s.startsWith("\\{") && /^\\\{\s*([a-zA-Z])\s*(?:\\mid|\||:)\s*(.*)\\\}$/.exec(s);
  if (builder && builder[2]!.includes(builder[1]!)) s = builder[2]!.replace(/^[a-zA-Z]\s*\\in\s*\\mathbb\s*\{R\}\s*,?\s*/, "");
  s = s.replace(/\\(?:textbf|mathbf|textit|mathit|mathrm|boldsymbol|operatorname|textnormal|mathnormal)\s*\{/g, "\\text{");
  s = s.replace(/\\!/g, "").replace(/(?<!\\)\\[,;:> ]|~/g, " ").replace(/\\quad|\\qquad/g, " ");
  s = s.replace(/\^\s*\{?\s*\\circ\s*\}?|°|\\degree/g, "");
  let percent = false;
  if (/\\?%/.test(s)) {
    percent = true;
    s = s.replace(/\\?%/g, "");
  }
  s = s.replace(/\\\$/g, "").replace(/\$/g, "");
  // Percent in words ("28 pct", "28 percentage points") is a percent sign.
  const percentWord = /\s*(?:\\text\s*\{\s*)?\b(?:pct|percentage(?: points?)?|percent)\b\.?\s*\}?\s*$/i;
  if (/p(?:ct|ercent)/i.test(s) && /\d/.test(s) && percentWord.test(s.slice(-40))) {
    percent = true;
    s = s.slice(0, -40) + s.slice(-40).replace(percentWord, "");
  }
  // "or"/"and" between answers are list separators; a final period ends a sentence.
  s = s.replace(/\\text\{\s*(?:or|and)\s*\}/gi, ",").replace(/\s+(?:or|and)\s+/g, ", ");
  const whole = /^\\text\s*\{/.exec(s);
  if (whole && closeBrace(s, whole[0].length) === s.length - 1) s = s.slice(whole[0].length, -1).trim();
  // \text{} left after a value is a unit (e.g. `5\text{ cm}`); inside, keep words that stand alone.
  s = replaceCommandArg(s, /\\text\s*\{/, (inner) => (/^\s*[a-zA-Z][a-zA-Z .]*$/.test(inner) ? ` ${inner.trim()} ` : inner));
  s = trimEndChars(s.trim(), ". ");
  for (let i = 0; i < 3; i++) {
    const before = s;
    const stripped = stripUnitTail(s);
    if (/[0-9})]/.test(stripped.slice(-1))) s = stripped.trim();
    if (s === before) break;
  }
  s = s.replace(/(\d)\s*\{,\}\s*(?=\d{3})/g, "$1");
  // Thousands separators ("7,425,000", "7\,425\,000" became spaces above) only when the
  // whole answer is that number: "(100,200)" is a pair.
  if (/^-?\d{1,3}(?:(?:,| )\d{3})+(?:\.\d+)?$/.test(s)) s = s.replace(/[, ]/g, "");
  // A decimal comma where no other reading fits: `1000,99` (four digits before the comma are no
  // thousands group, and two after it none either) or `0,5`. `1,5`, `12,5` and `2019,2020` stay
  // lists of two numbers.
  else if (/^-?(?:\d{4,},\d{1,2}|0,\d+)$/.test(s)) s = s.replace(",", ".");
  return { text: s.replace(/\s+/g, " ").trim(), percent };
}
