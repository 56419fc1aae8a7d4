/**
 * Answer extraction and grading. `extract*` find the final answer in a response; `gradeResponse`
 * gives the playground's quick verdict (normalised comparison for math; code is graded against
 * tests by the experiment runner, not here); `gradeMathPairs` with a long-lived `SymbolicGrader`
 * is the full grader of the CLI, experiments and sweeps: every pair gets a verdict or is
 * `ungradable` (too complex, or over its wall-clock limit) without holding up the others.
 */
import type { Problem, Verdict } from "@/lib/protocol";
import { extractLastCodeBlock, extractMathAnswer } from "./extract";
import { compareAnswers } from "./math";
import { simpleMathEqual } from "./simple";

export * from "./extract";
export * from "./simple";
export * from "./math";
export * from "./equivalence";
export * from "./symbolic";
export * from "./code";

export function gradeResponse(problem: Pick<Problem, "kind" | "gold">, response: string, fullText: string): { answer?: string; verdict: Verdict } {
  if (problem.kind === "code") {
    const code = extractLastCodeBlock(response) ?? extractLastCodeBlock(fullText);
    return { answer: code, verdict: "ungraded" };
  }
  const answer = extractMathAnswer(response) ?? extractMathAnswer(fullText);
  if (!problem.gold || answer === undefined) return { answer, verdict: problem.gold ? "incorrect" : "ungraded" };
  const fast = compareAnswers(problem.gold, answer);
  if (typeof fast === "object" && "ungradable" in fast) return { answer, verdict: "ungradable" };
  return { answer, verdict: simpleMathEqual(answer, problem.gold) ? "correct" : "incorrect" };
}
