import "server-only";
import type { SweepCost, SweepItemView, SweepOutcome, SweepView } from "@/lib/protocol";
import { summarizePositions, summarizeSweep } from "@/lib/sweeps";
import type { SweepStore } from "./sweep-store";

/**
 * GET /api/sweeps/:id: the stored sweep and everything derived from its item rows — progress,
 * the outcome grid (hint sweep) or the correct rate by position (position sweep), and cost.
 * One log, derive the rest: nothing here is stored separately.
 */
export function buildSweepView(store: SweepStore, id: string, now = Date.now()): SweepView {
  const sweep = store.get(id, now);
  const rows = store.items(id);
  const progress = store.progress(id, now);
  const outcomes: SweepOutcome[] = rows.flatMap((r) => (r.status === "done" && r.outcome ? [r.outcome] : []));
  const stale = sweep.status === "interrupted";
  const items: SweepItemView[] = rows.map((r) => ({
    id: r.id,
    arm: r.arm,
    position: r.position,
    sample: r.sample,
    seed: r.seed,
    // A dead runner's `running` items are pending again (a resume runs them).
    status: stale && r.status === "running" ? "pending" : r.status,
    ...(r.traceId ? { traceId: r.traceId } : {}),
    ...(r.error ? { error: r.error } : {}),
    ...(r.attempts ? { attempts: r.attempts } : {}),
    ...(r.status === "done" && r.outcome ? { outcome: r.outcome } : {}),
    ...(r.endpoint ? { endpoint: r.endpoint } : {}),
  }));
  return {
    id: sweep.id,
    name: sweep.name,
    kind: "sweep",
    status: sweep.status,
    spec: sweep.spec,
    arms: sweep.plan.arms.map((a) => ({ key: a.key, label: a.label })),
    positions: sweep.plan.positions,
    progress,
    items,
    summary: sweep.spec.type === "hints" ? summarizeSweep(sweep.plan.arms.map((a) => a.key), outcomes) : null,
    positionSummary: sweep.spec.type === "positions" ? summarizePositions(sweep.plan.positions.length, outcomes) : null,
    cost: sumCost(rows.filter((r) => r.status !== "pending" && r.status !== "running").map((r) => r.cost)),
    createdAt: sweep.createdAt,
    updatedAt: sweep.updatedAt,
  };
}

/**
 * Totals over finished items. `prefixTokens` is the smallest first-request prompt of any sample
 * (≈ the shared prefix; the arm's text adds to the others); `tokensEvaluated` only when the local
 * model's meter measured every finished sample.
 */
function sumCost(costs: ReturnType<SweepStore["items"]>[number]["cost"][]): SweepCost {
  const total: SweepCost = { promptTokens: 0, cachedTokens: 0, completionTokens: 0 };
  let evaluated = 0;
  let metered = costs.length > 0;
  for (const c of costs) {
    total.promptTokens += c.promptTokens;
    total.cachedTokens += c.cachedTokens;
    total.completionTokens += c.completionTokens;
    if (c.prefixTokens !== undefined) total.prefixTokens = Math.min(total.prefixTokens ?? Infinity, c.prefixTokens);
    if (c.tokensEvaluated === undefined) metered = false;
    else evaluated += c.tokensEvaluated;
  }
  if (metered) total.tokensEvaluated = evaluated;
  return total;
}
