import type { Segment, SweepItemView, SweepView } from "@/lib/protocol";
import type { ArmSummary, PairedComparison, PositionSummary } from "@/lib/sweeps";

/**
 * The sweep page's view of GET /api/sweeps/:id (issue 11): the response schema, and the pure
 * derivations the outcome grid and the position strip render (cells per arm, rows with their
 * comparison against `none`, tags that open the traces of a cell, text chunks per position).
 * Figures are never recomputed here: `summary` / `positionSummary` come from lib/sweeps on the server.
 */

export { SweepViewSchema, type SweepItemView, type SweepView } from "@/lib/protocol";

/** Poll while anything can still change. */
export const sweepIsLive = (v: Pick<SweepView, "status">): boolean => v.status === "running" || v.status === "pending";

export type CellState = "correct" | "wrong" | "ungraded" | "failed" | "running" | "pending";

/** One square of a samples strip. A done item without a verdict (ungradable) is "ungraded", never "wrong". */
export function cellState(item: Pick<SweepItemView, "status" | "outcome">): CellState {
  if (item.status === "failed") return "failed";
  if (item.status === "running") return "running";
  if (item.status === "pending") return "pending";
  const c = item.outcome?.correct;
  return c === true ? "correct" : c === false ? "wrong" : "ungraded";
}

/** Runner tags (see the sweeps API): the whole sweep, one arm, one arm at one position. */
export const sweepTag = (id: string, arm?: string, position?: number): string =>
  arm === undefined ? `sweep:${id}` : position === undefined ? `sweep:${id}:${arm}` : `sweep:${id}:${arm}@${position}`;

/** The trace library filtered to one tag. */
export const tracesByTag = (tag: string): string => `/traces?${new URLSearchParams({ tag })}`;

export const compareHref = (a: string, b: string): string => `/traces/compare?${new URLSearchParams({ a, b })}`;

export interface GridRow {
  key: string;
  label: string;
  summary: ArmSummary | undefined;
  /** Against `none`; undefined for `none` itself and for sweeps without a `none` arm. */
  vsNone: PairedComparison | undefined;
  /** The arm's items, position then sample order (seed order: column k of every row is a pair). */
  cells: SweepItemView[];
}

/** Rows of the outcome grid, in the sweep's arm order (then any arm only the items know). */
export function gridRows(view: Pick<SweepView, "arms" | "items" | "summary">): GridRow[] {
  const labels = new Map(view.arms.map((a) => [a.key, a.label]));
  for (const it of view.items) if (!labels.has(it.arm)) labels.set(it.arm, it.arm);
  const byArm = new Map<string, SweepItemView[]>([...labels.keys()].map((k) => [k, []]));
  for (const it of view.items) byArm.get(it.arm)!.push(it);
  const summaries = new Map((view.summary?.arms ?? []).map((a) => [a.arm, a]));
  const vs = new Map((view.summary?.vsNone ?? []).map((c) => [c.arm, c]));
  return [...labels].map(([key, label]) => ({
    key,
    label,
    summary: summaries.get(key),
    vsNone: vs.get(key),
    cells: byArm.get(key)!.slice().sort((a, b) => a.position - b.position || a.sample - b.sample),
  }));
}

/** A readable label for an arm key when the server sent none (`hint:wait-python` → `wait-python`). */
export function armKeyLabel(key: string): string {
  if (key === "none") return "no hint";
  if (key.startsWith("hint:")) return key.slice(5);
  if (key.startsWith("text:")) return `edited text ${key.slice(5)}`;
  return key;
}

export interface PositionChunk {
  /** The position this chunk starts at, or null for the text before the first position. */
  position: number | null;
  label?: string;
  text: string;
  summary: PositionSummary | undefined;
}

/**
 * The source trace's model-visible text cut at every position: each chunk is the text from its
 * position to the next one. Rendered as rows of a two-column grid (strip | text), the strip's
 * cell for a position spans exactly the text that follows it, so the strip stays aligned with
 * the text at any width without measuring the layout. The prompt (segment 0) is left out.
 */
export function positionChunks(segments: readonly Pick<Segment, "text">[], view: Pick<SweepView, "positions" | "positionSummary">): PositionChunk[] {
  const whole = segments.map((s) => s.text).join("");
  const start = segments[0]?.text.length ?? 0;
  const summaries = new Map((view.positionSummary ?? []).map((p) => [p.position, p]));
  const cuts = view.positions
    .map((p, i) => ({ i, at: Math.min(Math.max(p.textOffset, start), whole.length), label: p.label }))
    .sort((a, b) => a.at - b.at || a.i - b.i);
  const out: PositionChunk[] = [];
  const first = cuts[0]?.at ?? whole.length;
  if (first > start) out.push({ position: null, text: whole.slice(start, first), summary: undefined });
  cuts.forEach((c, k) => {
    const end = cuts[k + 1]?.at ?? whole.length;
    out.push({ position: c.i, label: c.label, text: whole.slice(c.at, end), summary: summaries.get(c.i) });
  });
  return out;
}

/**
 * Colour of a correct rate on the strip: red (0) through amber to green (1); grey when nothing
 * is graded yet. HSL hue 0→120 keeps equal steps of rate equally visible.
 */
export function rateColor(rate: number | null | undefined): string {
  if (rate === null || rate === undefined) return "hsl(0 0% 80%)";
  const r = Math.min(1, Math.max(0, rate));
  return `hsl(${Math.round(120 * r)} 65% 45%)`;
}

export const pct = (x: number | null | undefined, digits = 1): string => (x === null || x === undefined ? "—" : `${(100 * x).toFixed(digits)}%`);

/** "+12.5 pp" for a difference of rates. */
export const pp = (x: number | null | undefined): string => (x === null || x === undefined ? "—" : `${x >= 0 ? "+" : "−"}${Math.abs(100 * x).toFixed(1)} pp`);

export const ciText = (ci: readonly [number, number] | null | undefined): string => (ci ? `[${pct(ci[0])}, ${pct(ci[1])}]` : "");

/** p-values to 2 significant digits; tiny ones as "< 0.001". */
export const pText = (p: number | null | undefined): string => (p === null || p === undefined ? "—" : p < 0.001 ? "< 0.001" : p.toPrecision(2));
