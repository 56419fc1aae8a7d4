import type { SweepView } from "@/lib/protocol";

/**
 * The outcome grid of a sweep as text for a terminal: per arm (hint sweep) or per position
 * (position sweep). Rates are over graded samples; "ungraded" when nothing could be graded (the
 * trace's problem has no gold answer or tests). Pure, so the CLI's output is tested directly.
 */

const pct = (x: number | null) => (x === null ? "–" : `${(100 * x).toFixed(0)}%`);
const ci = (c: readonly [number, number]) => `[${(100 * c[0]).toFixed(0)}–${(100 * c[1]).toFixed(0)}%]`;
const signedPct = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(100 * x).toFixed(0)}%`;
const pValue = (p: number) => (p < 0.001 ? "p<0.001" : `p=${p.toFixed(3)}`);

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ").trimEnd()).join("\n");
}

export function formatSweepGrid(view: SweepView): string {
  const p = view.progress;
  const head = `sweep ${view.id} (${view.status}): ${p.done} done, ${p.failed} failed, ${p.pending + p.running} left of ${p.total}`;
  const cost = view.cost;
  const costLine =
    `tokens: ${cost.promptTokens} prompt (${cost.cachedTokens} cached), ${cost.completionTokens} completion` +
    (cost.tokensEvaluated !== undefined ? `, ${cost.tokensEvaluated} evaluated by the local model` : "");
  if (view.summary) {
    const labels = new Map(view.arms.map((a) => [a.key, a.label]));
    const vs = new Map(view.summary.vsNone.map((c) => [c.arm, c]));
    const rows = [["arm", "correct", "rate", "95% CI", "led to code", "tool ok", "mean tokens", "vs none (paired)"]];
    for (const a of view.summary.arms) {
      const c = vs.get(a.arm);
      rows.push([
        labels.get(a.arm) ?? a.arm,
        a.graded ? `${a.correct}/${a.graded}` : a.n ? "ungraded" : "–",
        pct(a.correctRate),
        a.graded ? ci(a.ci95) : "–",
        pct(a.ledToCodeRate),
        pct(a.toolSuccessRate),
        a.meanTokens === null ? "–" : a.meanTokens.toFixed(0),
        !c ? "" : c.diff === null ? "no pairs" : `${signedPct(c.diff)} ${ci(c.diffCi95!)} ${pValue(c.pValue)} (${c.pairs} pairs)`,
      ]);
    }
    return [head, table(rows), costLine].join("\n");
  }
  const rows = [["position", "at", "correct", "rate", "95% CI"]];
  for (const s of view.positionSummary ?? []) {
    const pos = view.positions[s.position];
    rows.push([`${s.position}${pos?.label ? ` ${pos.label}` : ""}`, String(pos?.textOffset ?? ""), s.graded ? `${s.correct}/${s.graded}` : s.n ? "ungraded" : "–", pct(s.correctRate), s.graded ? ci(s.ci95) : "–"]);
  }
  return [head, table(rows), costLine].join("\n");
}
