/**
 * A simple normalised comparison of math answers (the playground's quick verdict). It removes
 * formatting that does not change the value and compares numbers numerically; full symbolic
 * equivalence is the grader's job, not this function's.
 */
import { compareAnswers } from "./math";

export function normalizeMathAnswer(answer: string): string {
  let s = answer.trim();
  s = s.replace(/^\$+/, "");
  while (s.endsWith("$")) s = s.slice(0, -1);
  // `[^{}]` (not `[^}]`): an unclosed `\text{` cannot make the scan quadratic.
  s = s.replace(/\\text\{([^{}]*)\}/g, "$1").replace(/\\(?:mathrm|textbf|mathbf)\{([^{}]*)\}/g, "$1");
  s = s.replace(/\\[dt]frac/g, "\\frac").replace(/\\left|\\right/g, "");
  s = s.replace(/\\[,;!: ]|~/g, "").replace(/\^\{?\\circ\}?|°/g, "").replace(/\\%|%/g, "");
  s = s.replace(/\s+/g, "");
  s = s.replace(/^[a-z]\s*=\s*/i, "");
  s = s.replace(/(\d),(?=\d{3}(?:\D|$))/g, "$1");
  s = s.replace(/\\frac(\d)(\d)/g, "\\frac{$1}{$2}");
  s = s.replace(/\.$/, "");
  return s;
}

function numericValue(s: string): number | undefined {
  const frac = /^(-?)\\frac\{(-?\d+(?:\.\d+)?)\}\{(-?\d+(?:\.\d+)?)\}$/.exec(s);
  if (frac) return (frac[1] ? -1 : 1) * (Number(frac[2]) / Number(frac[3]));
  const slash = /^(-?\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)$/.exec(s);
  if (slash) return Number(slash[1]) / Number(slash[2]);
  if (/^-?(\d+\.?\d*|\.\d+)(e-?\d+)?$/i.test(s)) return Number(s);
  return undefined;
}

/**
 * The playground's synchronous verdict: the fast layer of `compareAnswers` (numbers in any
 * form, fractions, roots, π, intervals, sets, units, choices). Pairs only a CAS can decide
 * (symbolic expressions) count as equal here only when their normalised text is identical;
 * `gradeMathPairs` decides them with sympy.
 */
export function simpleMathEqual(pred: string, gold: string): boolean {
  const a = normalizeMathAnswer(pred);
  const b = normalizeMathAnswer(gold);
  if (a === b) return true;
  const fast = compareAnswers(gold, pred);
  if (typeof fast === "boolean") return fast;
  if ("ungradable" in fast) return false;
  const x = numericValue(a);
  const y = numericValue(b);
  if (x === undefined || y === undefined) return false;
  return Math.abs(x - y) <= 1e-6 * Math.max(1, Math.abs(y));
}
