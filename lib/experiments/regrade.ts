import "server-only";
import type { TraceStore } from "@/lib/db";
import { getTemplate, selectFinalResponse, selectTraceText } from "@/lib/engine";
import { gradeResponse, runEnding } from "@/lib/grading";
import type { Problem, Trace } from "@/lib/protocol";
import { codeLimits, createMathGrader, poolGrader } from "./grade";
import type { Graded, Grader } from "./runner";
import { SandboxPool } from "./sandbox-pool";
import type { ExperimentStore } from "./store";
import { graderOf } from "./verdicts";

/**
 * Grade a finished experiment again with this server's grader (issue 15): each done item's
 * answer is extracted afresh from its stored trace — the extraction rules are part of the
 * grader, and annotators may have corrected the text since — then graded in full (sympy, code
 * tests). The item's verdict becomes the new one; the old one stays in the verdict history under
 * its grader's version (verdicts.ts), so the page shows both. Items the current grader already
 * graded are skipped unless `force`.
 */

/**
 * The answer of a stored trace as the current extraction reads it, with how the run ended (cut
 * at its token limit, thinking closed or not): a trace cut inside its thinking has no answer.
 */
export function reextract(problem: Problem, trace: Trace): string | undefined {
  const response = selectFinalResponse({ segments: trace.segments, config: trace.config });
  return gradeResponse(problem, response, selectTraceText(trace.segments), runEnding({ events: trace.events, thinkingClosed: thinkingClosed(trace) })).answer;
}

/** Whether the model closed its thinking (the template's end-of-thinking marker after the prompt). */
export function thinkingClosed(trace: Trace): boolean {
  const marker = getTemplate(trace.config.template).endOfThinking;
  return !marker || selectTraceText(trace.segments.filter((s) => s.kind !== "prompt")).includes(marker);
}

export interface RegradeProgress {
  total: number;
  done: number;
  changed: number;
  skipped: number;
}

/**
 * `regradeExperiment` with graders of its own (a sandbox pool for code tests, sympy processes for
 * math), under the experiment's code limits, disposed at the end: what the page's Regrade and
 * `hintlab regrade` run.
 */
export async function regradeWithOwnGraders(opts: Omit<Parameters<typeof regradeExperiment>[0], "grade">): Promise<RegradeProgress> {
  const pool = new SandboxPool();
  const math = createMathGrader();
  try {
    const spec = opts.store.getExperiment(opts.experimentId).spec;
    return await regradeExperiment({ ...opts, grade: poolGrader(pool, math, codeLimits(spec)) });
  } finally {
    await pool.dispose();
    await math.dispose();
  }
}

export async function regradeExperiment(opts: {
  store: ExperimentStore;
  traces: TraceStore;
  experimentId: string;
  grade: Grader;
  /** Grade items the current grader already graded, too. */
  force?: boolean;
  /** Items graded at once (the math grader's sympy processes and the sandbox pool bound the work). */
  concurrency?: number;
  onProgress?: (p: RegradeProgress) => void;
  signal?: AbortSignal;
}): Promise<RegradeProgress> {
  const { store, traces, experimentId: id } = opts;
  const exp = store.getExperiment(id);
  const problems = store.problemMap(exp.datasetId);
  const todo = store.items(id).filter((it) => it.status === "done" && it.traceId);
  const progress: RegradeProgress = { total: todo.length, done: 0, changed: 0, skipped: 0 };
  let next = 0;
  const worker = async () => {
    while (next < todo.length && !opts.signal?.aborted) {
      const it = todo[next++]!;
      const problem = problems.get(it.problemId);
      if (!problem || (!opts.force && it.grader === graderOf(problem))) {
        progress.skipped++;
      } else {
        let trace: Trace | undefined;
        try {
          trace = traces.get(it.traceId!);
        } catch {
          trace = undefined; // deleted from the library: nothing to grade again
        }
        if (!trace) progress.skipped++;
        else {
          const answer = reextract(problem, trace);
          const graded: Graded = await opts.grade(problem, { ...trace, answer });
          const verdict = graded.verdict;
          if (verdict !== it.verdict) progress.changed++;
          store.regradeItem(id, it, { verdict, answer: graded.answer ?? null, grader: graded.grader ?? graderOf(problem), ...(graded.codeFailures ? { codeFailures: graded.codeFailures } : {}) });
        }
      }
      progress.done++;
      opts.onProgress?.({ ...progress });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, worker));
  return progress;
}
