/**
 * Pure helpers for the model's own view of its text: probability bins for colouring, the
 * entropy of a position over its top-k candidates, candidate injection points, and the
 * probability the model gave each trigger occurrence.
 *
 * Candidate injection point (documented threshold): a token whose renormalised top-k entropy
 * is at least ENTROPY_THRESHOLD nats AND whose most likely candidate has probability below
 * TOP1_MAX. With k = 5 the entropy is at most ln 5 ≈ 1.61 nats; 0.9 nats is about 2.5
 * equally likely choices (e^0.9 ≈ 2.46), i.e. the model is genuinely torn between several
 * continuations, and requiring top-1 < 0.5 drops positions where one candidate still holds
 * most of the mass but the rest is spread thinly.
 */
import type { TokenAlternative, TokenLogprob } from "./logprob-types";

export const ENTROPY_THRESHOLD = 0.9;
export const TOP1_MAX = 0.5;

/** Probability bins (upper bounds, most surprising first) for colouring; see trace.css `.tok-p*`. */
export const PROB_BINS = [0.1, 0.3, 0.6, 0.9] as const;
export const PROB_BIN_LABELS = ["< 10%", "10–30%", "30–60%", "60–90%", "≥ 90%"] as const;

/** Bin 0 (p < 0.1) … 4 (p ≥ 0.9). */
// Compared in log space with a little slack so that a logprob of exactly ln(0.3) is "0.3".
const LOG_BINS = PROB_BINS.map((b) => Math.log(b) - 1e-9);
export function probBin(logprob: number): number {
  let i = 0;
  while (i < LOG_BINS.length && logprob >= LOG_BINS[i]!) i++;
  return i;
}

/** The chosen token and its top alternatives as one candidate list (each text once, chosen first when tied). */
export function candidates(t: TokenLogprob): TokenAlternative[] {
  const out: TokenAlternative[] = [{ text: t.text, logprob: t.logprob }];
  for (const a of t.top) if (!out.some((c) => c.text === a.text)) out.push(a);
  return out;
}

/** Entropy in nats over the candidates, renormalised so their probabilities sum to 1. */
export function topEntropy(t: TokenLogprob): number {
  const ps = candidates(t).map((c) => Math.exp(c.logprob));
  const sum = ps.reduce((a, b) => a + b, 0);
  if (!(sum > 0)) return 0;
  let h = 0;
  for (const p of ps) {
    const q = p / sum;
    if (q > 0) h -= q * Math.log(q);
  }
  return h;
}

/** Probability of the most likely candidate (not renormalised). */
export function topProbability(t: TokenLogprob): number {
  return Math.max(...candidates(t).map((c) => Math.exp(c.logprob)));
}

export function isCandidatePoint(t: TokenLogprob): boolean {
  return topEntropy(t) >= ENTROPY_THRESHOLD && topProbability(t) < TOP1_MAX;
}

/** Indices of the candidate injection points of a segment's tokens. */
export function candidatePoints(tokens: readonly TokenLogprob[]): number[] {
  const out: number[] = [];
  tokens.forEach((t, i) => {
    if (isCandidatePoint(t)) out.push(i);
  });
  return out;
}

/** What the model would otherwise have said at this token: its top candidates other than the chosen text, most likely first. */
export function alternativesOf(t: TokenLogprob): TokenAlternative[] {
  return t.top.filter((a) => a.text !== t.text).sort((a, b) => b.logprob - a.logprob);
}

/** First index of a token ending after `offset` (tokens sorted by start, not overlapping). */
function firstEndingAfter(tokens: readonly TokenLogprob[], offset: number): number {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const t = tokens[mid]!;
    if (t.start + t.text.length <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** [lo, hi): the tokens overlapping the characters [start, end) of their segment. */
export function tokenRange(tokens: readonly TokenLogprob[], start: number, end: number): [number, number] {
  const lo = firstEndingAfter(tokens, start);
  let hi = lo;
  while (hi < tokens.length && tokens[hi]!.start < end) hi++;
  return [lo, hi];
}

/** The token of a segment covering character `offset`, or -1. */
export function tokenAt(tokens: readonly TokenLogprob[], offset: number): number {
  const i = firstEndingAfter(tokens, offset);
  const t = tokens[i];
  return t && t.start <= offset ? i : -1;
}

export interface TriggerProbability {
  /** The trigger occurrence in the segment text. */
  start: number;
  end: number;
  word: string;
  /** Tokens overlapping it. */
  first: number;
  last: number;
  /**
   * Probability of the whole occurrence: the product of its tokens' probabilities (a trigger
   * like " Alternatively" may be several tokens; the model "chose" it only if it chose each).
   */
  probability: number;
  /** What it would otherwise have said at the occurrence's first token. */
  alternatives: TokenAlternative[];
}

/**
 * The probability the model gave each trigger occurrence in `text` (occurrences without tokens
 * are left out). `text` starts at character `base` of the segment the tokens belong to; the
 * offsets returned are the segment's.
 */
export function triggerProbabilities(text: string, re: RegExp | null, tokens: readonly TokenLogprob[], base = 0): TriggerProbability[] {
  if (!re || !tokens.length) return [];
  const out: TriggerProbability[] = [];
  const g = new RegExp(re.source, re.flags.includes("g") ? re.flags : `${re.flags}g`);
  for (let m = g.exec(text); m; m = g.exec(text)) {
    if (m[0].length === 0) {
      g.lastIndex++;
      continue;
    }
    const start = base + m.index;
    const end = start + m[0].length;
    const [lo, hi] = tokenRange(tokens, start, end);
    if (lo >= hi) continue;
    let logp = 0;
    for (let i = lo; i < hi; i++) logp += tokens[i]!.logprob;
    out.push({ start, end, word: m[0], first: lo, last: hi - 1, probability: Math.exp(logp), alternatives: alternativesOf(tokens[lo]!) });
  }
  return out;
}

/** "42%" / "0.3%" / "<0.1%": a probability as people read it. */
export function formatProb(p: number): string {
  const pct = p * 100;
  if (pct >= 10) return `${Math.round(pct)}%`;
  if (pct >= 0.1) return `${pct.toFixed(1)}%`;
  return "<0.1%";
}
