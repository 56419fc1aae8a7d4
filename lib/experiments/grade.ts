import "server-only";
import { availableParallelism } from "node:os";
import { DEFAULT_PER_PAIR_MS, failureCounts, gradeCode, gradeMathPairs, SymbolicGrader, type CodeGradeOptions, type ExecuteFn, type GradingProcess } from "@/lib/grading";
import type { ExperimentSpec, Problem, Trace } from "@/lib/protocol";
import { NodeSandbox } from "@/lib/sandbox/node";
import type { Graded, Grader } from "./runner";

/** An experiment's limits for code problems (its spec's codeTestTimeoutMs and floatTolerance). */
export type CodeLimits = Pick<CodeGradeOptions, "perTestMs" | "floatTolerance">;

export const codeLimits = (spec: Pick<ExperimentSpec, "codeTestTimeoutMs" | "floatTolerance">): CodeLimits => ({ perTestMs: spec.codeTestTimeoutMs, floatTolerance: spec.floatTolerance });
import type { SandboxPool } from "./sandbox-pool";

/**
 * How long the sandbox waits, after interrupting a pair at its limit, before it throws away a
 * runtime stuck in C code: small, because that wait adds to the pair's wall-clock bound.
 */
const GRADER_GRACE_MS = 250;

export interface MathGraderOptions {
  /** Per-pair wall-clock limit in ms. Default: $HINTLAB_GRADE_PER_PAIR_MS, else 5000. */
  perPairMs?: number;
  /** Python processes grading in parallel. Default: $HINTLAB_GRADE_WORKERS, else one per core (at most 4). */
  workers?: number;
}

/** The per-pair limit from the environment (HINTLAB_GRADE_PER_PAIR_MS), else the default. */
export function defaultPerPairMs(): number {
  const env = Number(process.env.HINTLAB_GRADE_PER_PAIR_MS);
  return Number.isFinite(env) && env > 0 ? env : DEFAULT_PER_PAIR_MS;
}

/**
 * The math grader of a CLI run, an experiment or a sweep: one long-lived `SymbolicGrader` over
 * dedicated Pyodide processes (started when a pair first needs sympy, replaced when one is
 * killed at a pair's limit). They only ever run the grader's own code on answers passed as
 * data (see lib/grading/symbolic.ts), never a trace's code, so traces share them. Dispose it
 * when the run ends.
 */
export function createMathGrader(options: MathGraderOptions = {}): SymbolicGrader {
  const workers = options.workers ?? (Number(process.env.HINTLAB_GRADE_WORKERS) || Math.min(4, availableParallelism()));
  const create = (): GradingProcess => {
    // No warm spare inside the sandbox: the grader keeps its own, primed with sympy.
    const sandbox = new NodeSandbox({ warmSpare: false, graceMs: GRADER_GRACE_MS });
    return { execute: (code, opts) => sandbox.execute(code, opts), dispose: () => sandbox.dispose() };
  };
  return new SymbolicGrader({ create, workers: Math.max(1, workers) }, { perPairMs: options.perPairMs ?? defaultPerPairMs() });
}

/**
 * The runner's verdict for a finished trace: math answers against the gold with the full
 * equivalence grader (fast layer; undecided pairs go to sympy in `math`, each under the per-pair
 * limit; one that hits it is `ungradable`), code (the trace's last code block) against the
 * problem's tests. Code runs in a pooled sandbox, taken only when needed and reset on release (a
 * fresh process: no trace's code can reach the grading of another); code verdicts are decided
 * here, never inside the sandbox (see lib/grading/code.ts). Problems with neither gold nor tests
 * keep their verdict. Without `math`, a grader of one process is made on first use (the caller
 * then cannot dispose it: pass one when the run has an end).
 */
export function poolGrader(pool: SandboxPool, math?: SymbolicGrader, code: CodeLimits = {}): Grader {
  let own: SymbolicGrader | undefined;
  return async (problem: Problem, trace: Trace): Promise<Graded> => {
    const answer = trace.answer;
    if (problem.kind === "code" && problem.tests?.length) {
      if (!answer?.trim()) return { verdict: "incorrect" };
      return withSandbox(pool, async (execute) => {
        const r = await gradeCode(answer, problem.tests!, execute, { ...(problem.starterCode ? { starterCode: problem.starterCode } : {}), stopOnFailure: true, ...code });
        return { answer, verdict: r.passed ? "correct" : "incorrect", ...(r.passed ? {} : { codeFailures: failureCounts(r) }) };
      });
    }
    if (problem.gold !== undefined) {
      if (answer === undefined) return { verdict: "incorrect" };
      const grader = math ?? (own ??= createMathGrader({ workers: 1 }));
      const [g] = await gradeMathPairs([{ gold: problem.gold, pred: answer }], grader);
      if (g!.ungradable) return { answer, verdict: "ungradable", reason: g!.ungradable };
      return { answer, verdict: g!.equivalent ? "correct" : "incorrect" };
    }
    return { ...(answer !== undefined ? { answer } : {}), verdict: trace.verdict ?? "ungraded" };
  };
}

async function withSandbox<T>(pool: SandboxPool, fn: (execute: ExecuteFn) => Promise<T>): Promise<T> {
  const session = pool.session();
  try {
    return await fn((code, options) => session.execute(code, options));
  } finally {
    await session.close();
  }
}
