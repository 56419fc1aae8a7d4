import type { ExperimentPolicy } from "@/lib/protocol";
import { BUDGET_SERIES, HINT_ROUNDS_SERIES, scalingChart, type ExperimentResults, type PolicyResult } from "./results";

/**
 * What the experiment page's two charts draw, shaped for a charting library and free of it (pure,
 * so the shaping is tested without a DOM). Accuracies are in percent, as the axes read. Each point
 * carries what its hover says: the policy, pass@1, the Wilson interval of `computeResults` (never a
 * second interval computed here), correct / graded and mean tokens.
 */
export interface ChartPoint {
  x: number;
  policy: string;
  /** Short name of the point within its series: "2 rounds", "≤4000", or the policy label. */
  label: string;
  accuracy: number;
  lo: number;
  hi: number;
  correct: number;
  graded: number;
  meanTokens: number | null;
}

export interface ChartSeries {
  /** Stable key for the library (`s0`, `s1`, …); `name` is what the legend says. */
  key: string;
  name: string;
  points: ChartPoint[];
}

/** One x position with every series' point there: a library's shared tooltip shows all of them. */
export interface ChartRow {
  x: number;
  points: Record<string, ChartPoint>;
}

export interface ChartData {
  x: "rounds" | "meanTokens";
  xLabel: string;
  series: ChartSeries[];
  rows: ChartRow[];
  domain: [number, number];
  /** Tick positions: the rounds themselves, or round token counts (the library would tick the domain's odd ends). */
  ticks: number[];
}

export const ROUNDS_AXIS = "End-of-thinking rounds (hint injections per trace)";
export const TOKENS_AXIS = "Mean tokens per trace (tokens)";
export const ACCURACY_AXIS = "pass@1 (%)";
export const GREEDY_SERIES = "Greedy";

const pct = (x: number) => 100 * x;

/** A policy's graded result as a point; null when nothing of it is graded yet. */
function pointOf(r: PolicyResult | undefined, x: number, label: string): ChartPoint | null {
  if (!r || r.pass1 === null || r.ci95 === null) return null;
  return { x, policy: r.policy, label, accuracy: pct(r.pass1), lo: pct(r.ci95[0]), hi: pct(r.ci95[1]), correct: r.correct, graded: r.graded, meanTokens: r.meanTokens };
}

/** Rows by x, in order; points of different series at the same x share a row. */
function rowsOf(series: readonly ChartSeries[]): ChartRow[] {
  const byX = new Map<number, ChartRow>();
  for (const s of series) {
    for (const p of s.points) {
      const row = byX.get(p.x) ?? { x: p.x, points: {} };
      row.points[s.key] = p;
      byX.set(p.x, row);
    }
  }
  return [...byX.values()].sort((a, b) => a.x - b.x);
}

function finish(x: ChartData["x"], named: { name: string; points: ChartPoint[] }[]): ChartData {
  const series = named.filter((s) => s.points.length > 0).map((s, i) => ({ key: `s${i}`, name: s.name, points: [...s.points].sort((a, b) => a.x - b.x) }));
  const rows = rowsOf(series);
  const xs = rows.map((r) => r.x);
  const min = xs.length ? Math.min(...xs) : 0;
  const max = xs.length ? Math.max(...xs) : 1;
  if (x === "rounds") {
    // Whole rounds only, with half a round of room so the end points' error bars are not clipped.
    return { x, xLabel: ROUNDS_AXIS, series, rows, domain: [min - 0.5, max + 0.5], ticks: [...new Set(xs)] };
  }
  // A single x (or equal means) would give the library an empty domain: widen it around the value.
  const pad = max > min ? (max - min) * 0.08 : Math.max(1, max * 0.1);
  const step = niceStep((max - min + 2 * pad) / 4);
  const lo = Math.max(0, Math.floor((min - pad) / step) * step);
  const hi = Math.ceil((max + pad) / step) * step;
  const ticks: number[] = [];
  for (let t = lo; t <= hi + step / 2; t += step) ticks.push(Math.round(t));
  return { x, xLabel: TOKENS_AXIS, series, rows, domain: [lo, hi], ticks };
}

/** The smallest 1, 2 or 5 × 10ⁿ (n ≥ 0: whole tokens) at least `raw`: ticks a reader can add up. */
export function niceStep(raw: number): number {
  const mag = 10 ** Math.max(0, Math.floor(Math.log10(Math.max(raw, 1))));
  return [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
}

/**
 * The sequential-scaling chart (START's Figure 5, s1's budget forcing as the second series): the
 * series and axis of `scalingChart`, each point joined with its policy's interval and counts.
 */
export function scalingChartData(results: Pick<ExperimentResults, "policies" | "scaling" | "budgetScaling">): ChartData {
  const chart = scalingChart({ scaling: results.scaling, budgetScaling: results.budgetScaling ?? [] });
  const byPolicy = new Map(results.policies.map((r) => [r.policy, r]));
  return finish(
    chart.x,
    chart.series.map((s) => ({ name: s.name, points: s.points.flatMap((p) => pointOf(byPolicy.get(p.policy), p.x, p.label) ?? []) })),
  );
}

/**
 * The family a policy is drawn with on the tokens chart, so a line joins policies that differ in
 * one knob: greedy is 0 rounds of the hint-rounds family (as on the scaling chart), paper policies
 * with a trigger probability or a fixed hint form their own families, budgets theirs.
 */
export function policyFamily(p: ExperimentPolicy["policy"] | undefined, label: string): string {
  if (!p) return label;
  if (p.type === "greedy") return HINT_ROUNDS_SERIES;
  if (p.type === "budget") return BUDGET_SERIES;
  if (p.type === "paper") {
    if (p.hintId) return `Fixed hint (paper:hint=${p.hintId})`;
    if (p.triggerProb) return "Hint with probability (paper:p=P)";
    return HINT_ROUNDS_SERIES;
  }
  return label;
}

/** Accuracy vs mean tokens: every graded policy, one series per family, in the order policies were listed. */
export function tokensChartData(results: Pick<ExperimentResults, "policies">, policies: readonly ExperimentPolicy[]): ChartData {
  const policyOf = new Map(policies.map((p) => [p.label, p.policy]));
  const families = new Map<string, ChartPoint[]>();
  for (const r of results.policies) {
    if (r.meanTokens === null) continue;
    const point = pointOf(r, r.meanTokens, r.policy);
    if (!point) continue;
    const family = policyFamily(policyOf.get(r.policy), r.policy);
    families.set(family, [...(families.get(family) ?? []), point]);
  }
  return finish(
    "meanTokens",
    [...families.entries()].map(([name, points]) => ({ name, points })),
  );
}

/** The hover text of one point, exact values: "pass@1 62.5% (95% CI 30.6%–86.3%) · 5/8 correct · 250 tokens". */
export function describePoint(p: ChartPoint): string {
  const tokens = p.meanTokens === null ? "" : ` · ${Math.round(p.meanTokens).toLocaleString("en-US")} mean tokens`;
  return `pass@1 ${p.accuracy.toFixed(1)}% (95% CI ${p.lo.toFixed(1)}%–${p.hi.toFixed(1)}%) · ${p.correct}/${p.graded} correct${tokens}`;
}
