import "server-only";
import type { Db } from "@/lib/db";
import { CODE_GRADER_VERSION } from "@/lib/grading/code";
import { GRADER_VERSION } from "@/lib/grading/version";
import type { ExperimentItem, ExperimentPolicy, Problem, Verdict } from "@/lib/protocol";
import { computeResults } from "./results";

/**
 * Which grader gave which verdict (issue 15: "two experiments can be compared only when graded
 * alike"). An item carries the grader of its current verdict; every verdict it was ever given is
 * kept in `experiment_verdicts`, one per grader version, so regrading with a newer grader keeps
 * the old verdict beside the new one and the page can show both.
 */

/** The grader (and version) that grades `problem`: the code grader for code problems with tests, else the math grader. */
export function graderOf(problem: Pick<Problem, "kind" | "tests">): string {
  return problem.kind === "code" && problem.tests?.length ? CODE_GRADER_VERSION : GRADER_VERSION;
}

export interface VerdictKey {
  problemId: string;
  policy: string;
  sample: number;
}

/** Keep `verdict` as `grader`'s for the item (the latest of that grader wins). */
export function recordVerdict(db: Db, experimentId: string, key: VerdictKey, grader: string, verdict: Verdict, answer: string | null, now = Date.now()): void {
  db.prepare(
    `INSERT INTO experiment_verdicts (experiment_id, problem_id, policy, sample, grader, verdict, answer, graded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (experiment_id, problem_id, policy, sample, grader) DO UPDATE SET verdict = excluded.verdict, answer = excluded.answer, graded_at = excluded.graded_at`,
  ).run(experimentId, key.problemId, key.policy, key.sample, grader, verdict, answer, now);
}

/** Every grader that gave this experiment's items verdicts, oldest first. */
export function gradersOf(db: Db, experimentId: string): string[] {
  return (db.prepare("SELECT grader, MIN(graded_at) AS first FROM experiment_verdicts WHERE experiment_id = ? GROUP BY grader ORDER BY first, grader").all(experimentId) as { grader: string }[]).map((r) => r.grader);
}

/**
 * The items as `grader` graded them: each item's verdict and answer replaced by that grader's,
 * and items it never graded left out (so results over them compare like with like).
 */
export function itemsAsGradedBy(db: Db, experimentId: string, grader: string, items: readonly ExperimentItem[]): ExperimentItem[] {
  const rows = db.prepare("SELECT problem_id, policy, sample, verdict, answer FROM experiment_verdicts WHERE experiment_id = ? AND grader = ?").all(experimentId, grader) as {
    problem_id: string;
    policy: string;
    sample: number;
    verdict: Verdict;
    answer: string | null;
  }[];
  const by = new Map(rows.map((r) => [`${r.problem_id}\u0000${r.policy}\u0000${r.sample}`, r]));
  return items.flatMap((it) => {
    const r = by.get(`${it.problemId}\u0000${it.policy}\u0000${it.sample}`);
    return r && it.status === "done" ? [{ ...it, verdict: r.verdict, answer: r.answer }] : [];
  });
}

/** How an experiment's items were graded: every grader version seen, and pass@1 per policy under each earlier one. */
export interface Grading {
  /** Grader versions of the current verdicts, and every version that ever graded this experiment (oldest first). */
  current: string[];
  history: string[];
  /** Per earlier grader: pass@1 per policy over the items it graded. */
  earlier: { grader: string; policies: { policy: string; pass1: number | null; graded: number }[] }[];
}

export function gradingOf(db: Db, experimentId: string, items: readonly ExperimentItem[], policies: readonly ExperimentPolicy[]): Grading {
  const current = [...new Set(items.flatMap((it) => (it.status === "done" && it.grader ? [it.grader] : [])))].sort();
  const history = gradersOf(db, experimentId);
  const earlier = history
    .filter((g) => !current.includes(g))
    .map((grader) => ({ grader, policies: computeResults(itemsAsGradedBy(db, experimentId, grader, items), policies).policies.map((p) => ({ policy: p.policy, pass1: p.pass1, graded: p.graded })) }));
  return { current, history, earlier };
}
