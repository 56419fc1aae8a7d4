import "server-only";
import { gradeCode, gradeMathPairs, type ExecuteFn } from "@/lib/grading";
import type { Problem, Trace, Verdict } from "@/lib/protocol";
import type { Grader } from "./runner";
import type { SandboxPool } from "./sandbox-pool";

/**
 * The runner's verdict for a finished trace: math answers against the gold with the full
 * equivalence grader (fast layer; undecided pairs go to sympy), code (the trace's last code
 * block) against the problem's tests. Python for either runs in a pooled sandbox, taken only
 * when needed and reset on release (a fresh process: no trace's code can reach the grading of
 * another). Code verdicts are decided here, never inside the sandbox (see lib/grading/code.ts).
 * Problems with neither gold nor tests keep their verdict.
 */
export function poolGrader(pool: SandboxPool): Grader {
  return async (problem: Problem, trace: Trace): Promise<{ answer?: string; verdict: Verdict }> => {
    const answer = trace.answer;
    if (problem.kind === "code" && problem.tests?.length) {
      if (!answer?.trim()) return { verdict: "incorrect" };
      return withSandbox(pool, async (execute) => {
        const r = await gradeCode(answer, problem.tests!, execute, { ...(problem.starterCode ? { starterCode: problem.starterCode } : {}), stopOnFailure: true });
        return { answer, verdict: r.passed ? "correct" : "incorrect" };
      });
    }
    if (problem.gold !== undefined) {
      if (answer === undefined) return { verdict: "incorrect" };
      return withSandbox(pool, async (execute) => {
        const [ok] = await gradeMathPairs([{ gold: problem.gold!, pred: answer }], execute);
        return { answer, verdict: ok ? "correct" : "incorrect" };
      });
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
