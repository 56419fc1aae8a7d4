/**
 * Gold-vs-prediction math grading as evaluation harnesses do it: extract the final answer
 * from each side (a bare answer, a model response or a reference solution), decide most
 * pairs with the fast layer, and send the rest to sympy, one pair per execution under a
 * per-pair time limit.
 */
import type { UngradableReason } from "@/lib/protocol";
import { extractFinalAnswer, type FinalAnswerOptions } from "./final-answer";
import { compareAnswers, type FastVerdict, type SymbolicJob } from "./math";
import { SymbolicGrader, type ExecuteFn, type SymbolicGraderOptions, type SymbolicOutcome } from "./symbolic";

/**
 * Fast verdict on two texts (answers or whole responses). `ending` says how the response ended
 * (cut at the token limit, thinking closed): a response without a final answer is wrong.
 */
export function compareMath(gold: string, pred: string, ending?: FinalAnswerOptions): FastVerdict {
  const g = extractFinalAnswer(gold, { reference: true });
  const p = extractFinalAnswer(pred, ending);
  if (g === undefined || p === undefined) return false;
  return compareAnswers(g, p);
}

/** A gold answer and a response (or answer); `truncated`: the response stopped at its token limit. */
export interface MathPair {
  gold: string;
  pred: string;
  truncated?: boolean;
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
  pairs: MathPair[],
  symbolic?: SymbolicGrader | ExecuteFn | ExecuteFn[],
  options?: SymbolicGraderOptions,
): Promise<MathGrade[]> {
  const fast = pairs.map((p) => compareMath(p.gold, p.pred, p.truncated ? { truncated: true } : undefined));
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
