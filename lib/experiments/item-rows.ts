import "server-only";
import type { Db } from "@/lib/db";
import type { ExperimentItem, ItemStatus, Verdict } from "@/lib/protocol";
import { endpointLabel } from "@/lib/providers";
import { recordVerdict } from "./verdicts";

/** experiment_items rows: how an item is read, and how its outcome (or a new grade) is written. */

export interface ItemRow {
  problem_id: string;
  problem_idx: number;
  policy: string;
  sample: number;
  status: ItemStatus;
  trace_id: string | null;
  verdict: Verdict | null;
  answer: string | null;
  tokens: number;
  tool_calls: number;
  hints: string;
  duration_ms: number;
  attempts: number;
  error: string | null;
  /** From the item's trace (its config's baseUrl), joined in items(). */
  endpoint?: string | null;
  code_failures: string | null;
  grader: string | null;
}

export interface ItemKey {
  problemId: string;
  policy: string;
  sample: number;
}

export interface ItemOutcome {
  status: "done" | "failed";
  traceId: string | null;
  verdict: Verdict | null;
  answer: string | null;
  tokens: number;
  toolCalls: number;
  hints: string[];
  durationMs: number;
  attempts: number;
  error: string | null;
  codeFailures?: ExperimentItem["codeFailures"];
  /** The grader (and version) of `verdict`, see verdicts.ts. */
  grader?: string;
}

export function toItem(r: ItemRow): ExperimentItem {
  return {
    problemId: r.problem_id,
    problemIdx: r.problem_idx,
    policy: r.policy,
    sample: r.sample,
    status: r.status,
    traceId: r.trace_id,
    verdict: r.verdict,
    answer: r.answer,
    tokens: r.tokens,
    toolCalls: r.tool_calls,
    hints: JSON.parse(r.hints) as string[],
    durationMs: r.duration_ms,
    attempts: r.attempts,
    error: r.error,
    ...(r.endpoint ? { endpoint: endpointLabel(r.endpoint) } : {}),
    ...(r.code_failures ? { codeFailures: JSON.parse(r.code_failures) as ExperimentItem["codeFailures"] } : {}),
    ...(r.grader ? { grader: r.grader } : {}),
  };
}

/**
 * Record an item's outcome. With `worker`, only while that worker still holds the item; false
 * when another took it over (this one was taken for dead), so the caller drops its result.
 */
export function finishItem(db: Db, id: string, key: ItemKey, o: ItemOutcome, now = Date.now(), worker?: string): boolean {
  const guard = worker ? " AND worker = @worker AND status = 'running'" : "";
  const r = db
    .prepare(
      `UPDATE experiment_items SET status = @status, trace_id = @trace_id, verdict = @verdict, answer = @answer, tokens = @tokens,
         tool_calls = @tool_calls, hints = @hints, duration_ms = @duration_ms, attempts = @attempts, error = @error, code_failures = @code_failures, grader = @grader, updated_at = @now
       WHERE experiment_id = @id AND problem_id = @problem_id AND policy = @policy AND sample = @sample${guard}`,
    )
    .run({
      ...(worker ? { worker } : {}),
      id,
      problem_id: key.problemId,
      policy: key.policy,
      sample: key.sample,
      status: o.status,
      trace_id: o.traceId,
      verdict: o.verdict,
      answer: o.answer,
      tokens: o.tokens,
      tool_calls: o.toolCalls,
      hints: JSON.stringify(o.hints),
      duration_ms: o.durationMs,
      attempts: o.attempts,
      code_failures: failuresJson(o.codeFailures),
      grader: o.grader ?? null,
      error: o.error,
      now,
    });
  if (r.changes > 0 && o.status === "done" && o.verdict && o.grader) recordVerdict(db, id, key, o.grader, o.verdict, o.answer, now);
  return r.changes > 0;
}

/** A finished item graded again (regrade.ts): its current verdict replaced, the earlier grader's kept in the history. */
export function regradeItem(db: Db, id: string, key: ItemKey, g: Pick<ItemOutcome, "verdict" | "answer" | "codeFailures" | "grader">, now = Date.now()): void {
  db.transaction(() => {
    db
      .prepare("UPDATE experiment_items SET verdict = ?, answer = ?, code_failures = ?, grader = ?, updated_at = ? WHERE experiment_id = ? AND problem_id = ? AND policy = ? AND sample = ? AND status = 'done'")
      .run(g.verdict, g.answer, failuresJson(g.codeFailures), g.grader ?? null, now, id, key.problemId, key.policy, key.sample);
    if (g.verdict && g.grader) recordVerdict(db, id, key, g.grader, g.verdict, g.answer, now);
    db.prepare("UPDATE experiments SET updated_at = ? WHERE id = ?").run(now, id);
  })();
}

const failuresJson = (f: ItemOutcome["codeFailures"]): string | null => (f && Object.keys(f).length ? JSON.stringify(f) : null);
