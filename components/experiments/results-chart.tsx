"use client";

import { Area, CartesianGrid, ComposedChart, ErrorBar, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { ACCURACY_AXIS, describePoint, type ChartData, type ChartPoint, type ChartRow, type ChartSeries } from "@/lib/experiments/charts";
import { BUDGET_SERIES, HINT_ROUNDS_SERIES } from "@/lib/experiments/results";

/**
 * An experiment chart drawn with recharts: pass@1 per series with its 95% Wilson interval twice
 * over — a band between the bounds (reads as the spread along a series) and error bars (the only
 * mark a single-point series gets, where a band has no width). The hover lists every point at
 * that x with its exact values; a click on a point opens its traces.
 */
// Distinguishable on white and for the common colour-vision deficiencies (Okabe–Ito, darkened).
const COLORS = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#8a6d00", "#56b4e9"];
// The paper's two series keep their colour on both charts; other families take the rest in order.
const FIXED: Record<string, number> = { [HINT_ROUNDS_SERIES]: 0, [BUDGET_SERIES]: 1 };
function palette(series: readonly ChartSeries[]): Map<string, string> {
  let next = 2;
  return new Map(series.map((s) => [s.key, COLORS[(FIXED[s.name] ?? next++) % COLORS.length]!]));
}

// Each series reads its own key of a shared row: rows are shared so one hover shows every series.
const accuracyOf = (key: string) => (r: ChartRow) => r.points[key]?.accuracy ?? null;
const bandOf = (key: string) => (r: ChartRow) => {
  const p = r.points[key];
  return p ? [p.lo, p.hi] : null;
};
/** ErrorBar wants the distances below and above the value, not the bounds. */
const errorOf = (key: string) => (r: ChartRow) => {
  const p = r.points[key];
  return p ? [p.accuracy - p.lo, p.hi - p.accuracy] : null;
};

function formatX(data: ChartData, x: number): string {
  if (data.x === "rounds") return x === 0 ? "0 (greedy)" : String(x);
  return Math.round(x).toLocaleString("en-US");
}

export function ResultsChart({ data, testId, hrefOf }: { data: ChartData; testId: string; hrefOf?: (policy: string) => string }) {
  if (data.series.length === 0) {
    return (
      <p className="muted small" data-testid={testId}>
        Not enough graded items for this chart yet.
      </p>
    );
  }
  const colors = palette(data.series);
  const colorOf = (s: ChartSeries) => colors.get(s.key)!;
  // Legend in series order (recharts sorts by name unless told): the paper's series first.
  const legendOrder = (item: { value?: unknown }) => data.series.findIndex((s) => s.name === item.value);
  return (
    <div className="results-chart" data-testid={testId} data-axis={data.x}>
      {/* A fixed height and a minimum width: ResponsiveContainer measures its parent, which is
          0 wide until layout in a flex row, and recharts draws nothing at 0. */}
      <ResponsiveContainer width="100%" height={320} minWidth={320}>
        <ComposedChart data={data.rows} margin={{ top: 8, right: 20, bottom: 32, left: 16 }}>
          <CartesianGrid stroke="var(--line)" strokeDasharray="3 3" />
          <XAxis
            type="number"
            dataKey="x"
            domain={data.domain}
            // The domain already holds every point with room; without this recharts rounds it out to "nice" ticks.
            allowDataOverflow
            ticks={data.ticks}
            allowDecimals={data.x !== "rounds"}
            tickFormatter={(x: number) => formatX(data, x)}
            fontSize={11}
            label={{ value: data.xLabel, position: "insideBottom", offset: -20, fontSize: 12, className: "chart-axis-label" }}
          />
          <YAxis
            type="number"
            domain={[0, 100]}
            ticks={[0, 25, 50, 75, 100]}
            tickFormatter={(y: number) => `${y}%`}
            fontSize={11}
            width={52}
            // Room above 100%: a point there would otherwise sit on the legend's edge, under it for the pointer.
            padding={{ top: 12 }}
            label={{ value: ACCURACY_AXIS, angle: -90, position: "insideLeft", offset: -4, fontSize: 12, style: { textAnchor: "middle" }, className: "chart-axis-label" }}
          />
          <Tooltip content={<PointsTooltip data={data} colorOf={colorOf} />} isAnimationActive={false} />
          <Legend verticalAlign="top" itemSorter={legendOrder} wrapperStyle={{ fontSize: 12, paddingBottom: 4 }} />
          {data.series.map((s) => (
            <Area
              key={`${s.key}-band`}
              className={`chart-band chart-band-${s.key}`}
              dataKey={bandOf(s.key)}
              name={`${s.name} (95% CI)`}
              legendType="none"
              tooltipType="none"
              stroke="none"
              fill={colorOf(s)}
              fillOpacity={0.15}
              connectNulls
              isAnimationActive={false}
              activeDot={false}
            />
          ))}
          {data.series.map((s) => (
            <Line
              key={s.key}
              className={`chart-line chart-line-${s.key}`}
              dataKey={accuracyOf(s.key)}
              name={s.name}
              stroke={colorOf(s)}
              strokeWidth={2}
              connectNulls
              isAnimationActive={false}
              dot={(props: DotProps) => <PointDot key={`${s.key}-${props.index}`} {...props} series={s} color={colorOf(s)} hrefOf={hrefOf} />}
              // No enlarged hover dot: it would sit over the point and take the click meant for its link.
              activeDot={false}
            >
              <ErrorBar dataKey={errorOf(s.key)} width={5} stroke={colorOf(s)} strokeWidth={1.5} direction="y" />
            </Line>
          ))}
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}

interface DotProps {
  cx?: number;
  cy?: number;
  index?: number;
  payload?: ChartRow;
}

/** A point that links to its policy's traces (as the hand-drawn chart's points did). */
function PointDot({ cx, cy, payload, series, color, hrefOf }: DotProps & { series: ChartSeries; color: string; hrefOf?: (policy: string) => string }) {
  const p = payload?.points[series.key];
  if (!p || cx === undefined || cy === undefined || cx === null || cy === null) return <g />;
  const dot = <circle cx={cx} cy={cy} r={4} fill={color} stroke="#fff" strokeWidth={1} data-testid="chart-point" data-series={series.name} data-policy={p.policy} />;
  return hrefOf ? (
    <a href={hrefOf(p.policy)} aria-label={`${p.policy}: ${describePoint(p)}`}>
      {dot}
    </a>
  ) : (
    dot
  );
}

/** The hover: every series' point at the hovered x, exact values from the results (not the pixels). */
function PointsTooltip({ data, colorOf, active, payload }: { data: ChartData; colorOf: (s: ChartSeries) => string; active?: boolean; payload?: readonly { payload?: unknown }[] }) {
  const row = payload?.[0]?.payload as ChartRow | undefined;
  if (!active || !row) return null;
  const here: { s: ChartSeries; p: ChartPoint }[] = data.series.flatMap((s) => (row.points[s.key] ? [{ s, p: row.points[s.key]! }] : []));
  return (
    <div className="chart-tooltip" data-testid="chart-tooltip">
      <div className="muted small">
        {data.x === "rounds" ? (row.x === 0 ? "greedy: 0 end-of-thinking rounds" : `${row.x} end-of-thinking round${row.x === 1 ? "" : "s"}`) : `${formatX(data, row.x)} mean tokens`}
      </div>
      {here.map(({ s, p }) => (
        <div key={s.key} data-testid="chart-tooltip-point">
          <strong style={{ color: colorOf(s) }}>{s.name}</strong> — {p.policy}
          {p.label !== p.policy ? ` (${p.label})` : ""}
          <div className="small">{describePoint(p)}</div>
        </div>
      ))}
    </div>
  );
}
