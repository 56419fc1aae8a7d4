/**
 * Answer extraction and grading. `extract*` find the final answer in a response; `gradeTrace`
 * gives the playground's quick verdict (normalised comparison for math; code is graded against
 * tests by the experiment runner, not here).
 */
import type { Problem, Verdict } from "@/lib/protocol";
import { extractLastCodeBlock, extractMathAnswer } from "./extract";
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
  return { answer, verdict: simpleMathEqual(answer, problem.gold) ? "correct" : "incorrect" };
}
