/**
 * The final answer of a whole response, as evaluation harnesses find it, with one rule they lack:
 * **a response that never gave a final answer has none.** Explicit answers (`\boxed{}`, "the
 * final answer is …") are taken wherever the answer part is; the looser fallbacks (a short bare
 * answer, the last `$…$` / `\(…\)` / `\[…\]` expression) only from a finished answer part, never
 * from inside a thinking trace, never from a response the token limit cut, and never from one that
 * reads like one (see `looksCut`, `readsLikeThinking`): otherwise a runaway trace would be graded
 * by whatever number it last mentioned.
 */
import { extractAnswerPhrase, extractBoxes, extractLastBoxed } from "./extract";

/** What the caller knows about how the response ended. */
export interface FinalAnswerOptions {
  /** The generation stopped at its token limit (finish reason "length"). */
  truncated?: boolean;
  /**
   * Whether the thinking was closed, when the caller knows (the engine does: its template's
   * end-of-thinking marker may sit in the prompt, so the text alone cannot show it was opened).
   */
  thinkingClosed?: boolean;
  /** The text is a reference (gold) answer or solution: written by a person, never cut. */
  reference?: boolean;
}

/** Longest text taken as a bare answer when it has no box or "answer is" phrase. */
const BARE_ANSWER_MAX = 80;
/** Boxes separated by at most this much connecting text form one answer set. */
const BOX_GAP_MAX = 60;

const THINKING = [
  { open: "<think>", close: "</think>" },
  { open: "<|begin_of_thought|>", close: "<|end_of_thought|>" },
];
/** Chat-template tokens after which the text is a new turn, not this response. */
const CHAT_TURN = /<\|im_start\|>|<\|im_end\|>|<\|endoftext\|>|<\|eot_id\|>|<\|end\|>|<\|user\|>|<\/s>|<\|start_header_id\|>|\n\s*(?:Human|User):/;

/** The response without what a chat model emitted after its turn ended. */
export function stripChatTurns(text: string): string {
  // A leading turn header (`<|im_start|>assistant`) is not the end of the turn.
  // Most answers hold no chat token at all: skip the regexes for them (the fast layer's hot path).
  if (!text.includes("<") && !text.includes(":")) return text;
  const t = text.replace(/^\s*<\|im_start\|>assistant\s*/, "");
  const m = CHAT_TURN.exec(t);
  return m ? t.slice(0, m.index) : t;
}

/**
 * The answer part of a response: after the closed thinking (inside `<|begin_of_solution|>` when
 * there is one). `closed` is false when a thinking marker was opened and never closed (no answer
 * part), undefined when the text has no markers at all.
 */
export function splitThinking(text: string): { answerPart: string; thinking: string; closed: boolean | undefined } {
  for (const { open, close } of THINKING) {
    const end = text.lastIndexOf(close);
    if (end !== -1) {
      let answerPart = text.slice(end + close.length);
      const sol = answerPart.indexOf("<|begin_of_solution|>");
      if (sol !== -1) answerPart = answerPart.slice(sol + "<|begin_of_solution|>".length);
      const solEnd = answerPart.indexOf("<|end_of_solution|>");
      if (solEnd !== -1) answerPart = answerPart.slice(0, solEnd);
      return { answerPart, thinking: text.slice(0, end), closed: true };
    }
    if (text.includes(open)) return { answerPart: "", thinking: text, closed: false };
  }
  return { answerPart: text, thinking: "", closed: undefined };
}

/** Text between two boxes that only joins answers: `, `, `and`, `\quad\text{or}\quad`, `$ or $x = `. */
function isConnector(gap: string): boolean {
  if (gap.length > BOX_GAP_MAX) return false;
  const rest = gap
    .replace(/\\(?:text|mbox|mathrm)\s*\{\s*(?:and|or|,)?\s*\}/g, " ")
    .replace(/\\q?quad|\\[,;: ]|\\\(|\\\)|\\\[|\\\]|\$/g, " ")
    .replace(/\b(?:and|or)\b/g, " ")
    .replace(/(?:[a-zA-Z](?:_\{?\w+\}?)?|\\[a-zA-Z]+)\s*=/g, " ")
    .replace(/[\s,;.&]/g, "");
  return rest === "";
}

/**
 * The last box, with the boxes just before it when only connectors separate them: `\boxed{1},
 * \boxed{2}` is the answer set "1, 2"; a box far earlier (a first guess) is not part of it.
 */
export function extractBoxedAnswer(text: string): string | undefined {
  const last = extractLastBoxed(text);
  if (last === undefined) return undefined;
  const boxes = extractBoxes(text);
  if (boxes.length < 2 || boxes.at(-1)!.content !== last) return last;
  let first = boxes.length - 1;
  while (first > 0 && isConnector(text.slice(boxes[first - 1]!.end, boxes[first]!.start))) first--;
  if (first === boxes.length - 1) return last;
  return boxes
    .slice(first)
    .map((b) => b.content)
    .join(", ");
}

/**
 * Math spans (`$$…$$`, `$…$`, `\(…\)`, `\[…\]`) in order. A linear scan: each closer is searched
 * for with indexOf, and a closer type found missing once is never searched for again, so many
 * unclosed openers cost no more than one.
 */
export function mathSpans(text: string): string[] {
  return mathSpanPositions(text).map((s) => s.inner);
}

function mathSpanPositions(text: string): { inner: string; start: number; end: number }[] {
  const spans: { inner: string; start: number; end: number }[] = [];
  const noCloser = new Set<string>();
  const pairs: [string, string][] = [["$$", "$$"], ["\\[", "\\]"], ["\\(", "\\)"], ["$", "$"]];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c !== "$" && c !== "\\") {
      i++;
      continue;
    }
    if (c === "\\" && text[i + 1] === "$") {
      i += 2;
      continue;
    }
    const pair = pairs.find(([open]) => text.startsWith(open, i));
    if (!pair || noCloser.has(pair[0])) {
      i += c === "\\" ? 2 : 1;
      continue;
    }
    const [open, close] = pair;
    let end = text.indexOf(close, i + open.length);
    // `$` closes at the next unescaped `$`.
    while (open === "$" && end !== -1 && text[end - 1] === "\\") end = text.indexOf(close, end + 1);
    if (end === -1) {
      noCloser.add(open);
      i += open.length;
      continue;
    }
    const inner = text.slice(i + open.length, end).trim();
    if (inner) spans.push({ inner, start: i, end: end + close.length });
    i = end + close.length;
  }
  return spans;
}

/**
 * The last math span, with the spans just before it when only connectors separate them
 * ("$x=-1$ or $x=4$" is the answer set "x=-1, x=4").
 */
export function lastMathAnswer(text: string): string | undefined {
  const spans = mathSpanPositions(text);
  if (spans.length === 0) return undefined;
  let first = spans.length - 1;
  while (first > 0 && isConnector(text.slice(spans[first - 1]!.end, spans[first]!.start))) first--;
  return spans
    .slice(first)
    .map((s) => s.inner)
    .join(", ");
}

/**
 * Ends mid-sentence: the last characters are words after the last sentence end (a cut trace),
 * not a closing delimiter, a period or a short signature line.
 */
export function looksCut(text: string): boolean {
  const t = text.trimEnd();
  // Mid-expression: an operator last (`We compute $2^6 =`). An odd `$` count is no sign: "$5" is money.
  if (/[=+\-*/^(,{_\\]$/.test(t) && !/\\\\$/.test(t)) return true;
  if (/[.!?)\]}$*`'"]$/.test(t)) return false;
  const lastEnd = Math.max(t.lastIndexOf(". "), t.lastIndexOf(".\n"), t.lastIndexOf("$"), t.lastIndexOf("\\]"), t.lastIndexOf("\n\n"));
  const tokens = t.slice(lastEnd + 1).trim().split(/\s+/);
  // A short text counts words, not symbols: `\frac{1}{2} + x` is a bare answer, "it works since"
  // a cut sentence. A long one ending in an unfinished line (`p(5)= (-25/288)*125 + …`) is cut.
  if (t.length <= BARE_ANSWER_MAX) return tokens.filter((w) => /^[a-zA-Z]{2,}[,;:]?$/.test(w)).length >= 3;
  return tokens.length >= 3;
}

/**
 * A thinking trace whose opening marker is not in the text (R1-style prompts end in `<think>`):
 * self-corrections that answer-part prose and reference solutions do not use.
 */
export function readsLikeThinking(text: string): boolean {
  const hits = text.match(/\b(?:Wait|Hmm|Alternatively|Let me (?:double-?check|verify|think|re-?check|recount|reconsider))\b/g);
  return (hits?.length ?? 0) >= 2;
}

/**
 * The answer in `text`, or undefined when it gave none: the last box (with boxes joined to it) or
 * "the answer is …" phrase of the answer part; then, only for a response that finished its answer
 * part, a box in the thinking, a short bare answer, or the last math expression of the answer part.
 */
export function extractFinalAnswer(text: string, options: FinalAnswerOptions = {}): string | undefined {
  const t = stripChatTurns(text);
  let { answerPart, thinking, closed } = splitThinking(t);
  // Without markers, a response cut (or ending) mid-sentence that reads like a thinking trace is
  // one whose opener sat in the prompt: it never reached an answer part.
  const cut = options.truncated === true || (!options.reference && looksCut(answerPart));
  if (closed === undefined && (options.thinkingClosed === false || (cut && !options.reference && readsLikeThinking(answerPart)))) {
    thinking = answerPart;
    answerPart = "";
    closed = false;
  }
  const explicit =
    (/\\(?:boxed|fbox)/.test(answerPart) ? extractBoxedAnswer(answerPart) : undefined) ?? (/answer/i.test(answerPart) ? answerPhrase(answerPart) : undefined);
  if (explicit !== undefined) return explicit;
  if (closed === false || cut) return undefined;
  // The model closed its thinking but boxed its answer only inside it.
  if (closed && thinking) {
    const inThinking = extractLastBoxed(thinking);
    if (inThinking !== undefined) return inThinking;
  }
  const trimmed = answerPart.trim();
  if (!options.reference && closed === undefined && readsLikeThinking(trimmed)) return undefined;
  const math = lastMathAnswer(trimmed);
  // A bare answer: the whole (short) text, unless it is a sentence around math (then the math)
  // or around a number ("She has 5 left.": the number). A word answer ("Tuesday") stays whole.
  if (trimmed.length <= BARE_ANSWER_MAX && !trimmed.includes("\n")) {
    if (!trimmed) return undefined;
    if (options.reference || !isProse(trimmed)) return trimmed;
    return math ?? lastNumber(trimmed) ?? trimmed;
  }
  // A last line that is only a value (`19`, `5.8 cm`) states the answer.
  const lastLine = trimmed.slice(trimmed.lastIndexOf("\n") + 1).trim();
  if (lastLine.length <= 30 && /\d/.test(lastLine) && !isProse(lastLine)) return lastLine;
  // A closing sentence in plain text ("So she has 5 apples left.") states its last number; an
  // earlier expression is not the answer to it. (A signature line, "-Multpi12", is no sentence.)
  if (!options.reference && !/[$\\]/.test(lastLine) && /\s/.test(lastLine) && /[.!]$/.test(lastLine)) {
    const n = lastNumber(lastLine);
    if (n !== undefined) return n;
  }
  return math;
}

function lastNumber(text: string): string | undefined {
  return text.match(/-?\d[\d,]*(?:\.\d+)?(?:\s*\/\s*\d+(?:\.\d+)?)?/g)?.at(-1)!.replace(/,$/, "");
}

/** Words outside math: a sentence, not an answer written bare. */
function isProse(text: string): boolean {
  const outside = text.replace(/\\(?:begin|end)\s*\{[^{}]*\}/g, " ").replace(/\$\$[\s\S]*?\$\$|\$[^$]*\$|\\\([\s\S]*?\\\)|\\\[[\s\S]*?\\\]|\\[a-zA-Z]+/g, " ");
  return /[a-zA-Z]{3,}/.test(outside.replace(/\b(?:cm|mm|km|kg|units?|degrees?|meters?|inches|feet|dollars?|cents?|hours?|minutes?|seconds?|bits?|ways?)\b/g, ""));
}

/**
 * "the answer is X" on one line; "the final answer is:" followed by a display (`\[ X \]` on the
 * next lines) points at that display.
 */
function answerPhrase(text: string): string | undefined {
  const phrase = extractAnswerPhrase(text);
  if (phrase !== undefined && phrase.replace(/\\\[|\\\(|\$\$?|[*:\s]/g, "") !== "") return phrase;
  const re = /(?:final answer|the answer|answer)\s?(?:is\s?)?:?\s?\**\s*(?=\$|\\\[|\\\()/gi;
  let at = -1;
  for (let m = re.exec(text); m; m = re.exec(text)) at = m.index + m[0].length;
  return at === -1 ? undefined : mathSpans(text.slice(at, at + 2000))[0];
}
