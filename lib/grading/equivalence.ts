/**
 * Gold-vs-prediction math grading as evaluation harnesses do it: extract the final answer
 * from each side (a bare answer, a model response or a reference solution), decide most
 * pairs with the fast layer, and send the rest to sympy in batches.
 */
import { extractLastBoxed, extractAnswerPhrase } from "./extract";
import { compareAnswers, type FastVerdict, type SymbolicJob } from "./math";
import { checkSymbolic, type ExecuteFn, type SymbolicOptions } from "./symbolic";

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

/**
 * Grade many pairs. Undecided pairs go to sympy through `execute` in shared batches (the same
 * job is run once), spread over several sandboxes when given several `execute`s; without
 * `execute`, they count as not equivalent.
 */
export async function gradeMathPairs(
  pairs: { gold: string; pred: string }[],
  execute?: ExecuteFn | ExecuteFn[],
  options?: SymbolicOptions,
): Promise<boolean[]> {
  const verdicts = pairs.map((p) => compareMath(p.gold, p.pred));
  const jobs: SymbolicJob[] = [];
  const index = new Map<string, number>();
  for (const v of verdicts) {
    if (typeof v === "boolean") continue;
    for (const j of v.jobs) {
      const key = JSON.stringify([j.gold, j.pred]);
      if (!index.has(key)) {
        index.set(key, jobs.length);
        jobs.push(j);
      }
    }
  }
  const results = execute && jobs.length > 0 ? await checkSymbolic(jobs, execute, options) : jobs.map(() => false);
  return verdicts.map((v) =>
    typeof v === "boolean" ? v : v.jobs.every((j) => results[index.get(JSON.stringify([j.gold, j.pred]))!] === true),
  );
}
