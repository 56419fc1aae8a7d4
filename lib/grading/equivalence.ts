/**
 * Gold-vs-prediction math grading as evaluation harnesses do it: extract the final answer
 * from each side (a bare answer, a model response or a reference solution), decide most
 * pairs with the fast layer, and send the rest to sympy, one pair per execution under a
 * per-pair time limit.
 */
import type { UngradableReason } from "@/lib/protocol";
import { extractLastBoxed, extractAnswerPhrase } from "./extract";
import { compareAnswers, type FastVerdict, type SymbolicJob } from "./math";
import { SymbolicGrader, type ExecuteFn, type SymbolicGraderOptions, type SymbolicOutcome } from "./symbolic";

/** Longest text taken as a bare answer when it has no box or "answer is" phrase. */
const BARE_ANSWER_MAX = 80;

/**
 * The answer in `text`: the last `\boxed{}` (after `</think>` when there is one), else an
 * "the answer is …" phrase, else the whole text when it is short enough to be an answer,
 * else the last inline math or number.
 */
export function extractFinalAnswer(text: string): string | undefined {
  const t = text.includes("</think>") ? text.slice(text.lastIndexOf("</think>") + 8) : text;
  // What follows the thinking wins; a box inside the thinking is only a fallback.
  const found = extractLastBoxed(t) ?? extractAnswerPhrase(t) ?? extractLastBoxed(text);
  if (found !== undefined) return found;
  const trimmed = t.trim();
  if (trimmed.length <= BARE_ANSWER_MAX && !trimmed.includes("\n")) return trimmed;
  const maths = [...trimmed.matchAll(/\$([^$]+)\$/g)];
  if (maths.length > 0) return maths.at(-1)![1];
  const nums = [...trimmed.matchAll(/-?\d[\d,]*(?:\.\d+)?/g)];
  return nums.at(-1)?.[0];
}

/** Fast verdict on two texts (answers or whole responses). */
export function compareMath(gold: string, pred: string): FastVerdict {
  const g = extractFinalAnswer(gold);
  const p = extractFinalAnswer(pred);
  if (g === undefined || p === undefined) return false;
  return compareAnswers(g, p);
}

/** A graded pair: equivalent or not, or (never equivalent) undecidable and why. */
export type MathGrade = { equivalent: boolean; ungradable?: undefined } | { equivalent: false; ungradable: UngradableReason };

/**
 * Grade many pairs: the fast layer first (bounded by construction, see math.ts), then each pair
 * still undecided as one sympy execution under the grader's per-pair limit (see symbolic.ts).
 * `symbolic` is a long-lived `SymbolicGrader` (the CLI, experiments and sweeps each hold one),
 * or `execute` function(s) for a one-off grader; without it, undecided pairs are ungradable.
 */
export async function gradeMathPairs(
  pairs: { gold: string; pred: string }[],
  symbolic?: SymbolicGrader | ExecuteFn | ExecuteFn[],
  options?: SymbolicGraderOptions,
): Promise<MathGrade[]> {
  const fast = pairs.map((p) => compareMath(p.gold, p.pred));
  const pending: SymbolicJob[][] = [];
  for (const v of fast) if (typeof v === "object" && "jobs" in v) pending.push(v.jobs);
  let outcomes: SymbolicOutcome[] = pending.map(() => ({ ungradable: "grader error" as const }));
  if (symbolic && pending.length > 0) {
    const grader = symbolic instanceof SymbolicGrader ? symbolic : new SymbolicGrader(symbolic, options);
    outcomes = await grader.check(pending);
  }
  let k = 0;
  return fast.map((v): MathGrade => {
    if (typeof v === "boolean") return { equivalent: v };
    if ("ungradable" in v) return { equivalent: false, ungradable: v.ungradable };
    const o = outcomes[k++]!;
    return typeof o === "boolean" ? { equivalent: o } : { equivalent: false, ungradable: o.ungradable };
  });
}
