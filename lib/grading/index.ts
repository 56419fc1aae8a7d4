/**
 * Answer extraction and grading. `extract*` find the final answer in a response; `gradeResponse`
 * gives the playground's quick verdict (normalised comparison for math; code is graded against
 * tests by the experiment runner, not here); `gradeMathPairs` with a long-lived `SymbolicGrader`
 * is the full grader of the CLI, experiments and sweeps: every pair gets a verdict or is
 * `ungradable` (too complex, or over its wall-clock limit) without holding up the others.
 * A response that never stated a final answer (cut inside its thinking) is wrong, not graded
 * from its prose (final-answer.ts). Results state `GRADER_VERSION` (version.ts says when to bump).
 * Modules: final-answer (extraction), normalize/structure (reading an answer), math (comparison),
 * intervals, equations, evaluate/latex (numbers and sympy text), symbolic (sympy processes).
 */
import type { Problem, Verdict } from "@/lib/protocol";
import { extractLastCodeBlock, extractMathAnswer } from "./extract";
import { extractFinalAnswer, type FinalAnswerOptions } from "./final-answer";
import { compareAnswers } from "./math";
import { simpleMathEqual } from "./simple";

export * from "./extract";
export * from "./final-answer";
export * from "./version";
export * from "./simple";
export * from "./math";
export * from "./equivalence";
export * from "./symbolic";
export * from "./code";

/**
 * `response` is the answer part (after the end-of-thinking marker, else the whole completion),
 * `fullText` the whole trace; `ending` what the host knows of how it ended. A run cut at its token
 * limit inside its thinking has no final answer, whatever it last wrote.
 */
export function gradeResponse(
  problem: Pick<Problem, "kind" | "gold">,
  response: string,
  fullText: string,
  ending: FinalAnswerOptions = {},
): { answer?: string; verdict: Verdict } {
  if (problem.kind === "code") {
    const code = extractLastCodeBlock(response) ?? extractLastCodeBlock(fullText);
    return { answer: code, verdict: "ungraded" };
  }
  const cutInThinking = ending.truncated === true && ending.thinkingClosed === false;
  const answer = cutInThinking ? undefined : (extractFinalAnswer(response, ending) ?? (ending.truncated ? undefined : extractMathAnswer(fullText)));
  if (!problem.gold || answer === undefined) return { answer, verdict: problem.gold ? "incorrect" : "ungraded" };
  const fast = compareAnswers(problem.gold, answer);
  if (typeof fast === "object" && "ungradable" in fast) return { answer, verdict: "ungradable" };
  return { answer, verdict: simpleMathEqual(answer, problem.gold) ? "correct" : "incorrect" };
}

/** How an engine run ended, for `gradeResponse`: cut at its token limit, thinking closed or not. */
export function runEnding(state: { events: readonly { type: string; reason?: string }[]; thinkingClosed: boolean }): FinalAnswerOptions {
  const truncated = state.events.some((e) => e.type === "run-finished" && e.reason === "length");
  return { truncated, thinkingClosed: state.thinkingClosed };
}
