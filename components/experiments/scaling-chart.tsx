"use client";

/**
 * A small SVG line chart (no chart library: a few series of a few points). Used for the paper's
 * Figure 5 (accuracy vs end-of-thinking rounds, with budget forcing as a second series) and for
 * accuracy vs tokens.
 */
export interface ChartPoint {
  x: number;
  y: number;
  label: string;
  /** Shown under the point instead of the x value (e.g. "2 rounds" on a tokens axis). */
  tick?: string;
  href?: string;
}

export interface ChartSeries {
  name: string;
  points: ChartPoint[];
}

export function LineChart({ points, series, xLabel, yLabel, testId }: { points?: ChartPoint[]; series?: ChartSeries[]; xLabel: string; yLabel: string; testId?: string }) {
  const W = 420;
  const H = 240;
  const all: ChartSeries[] = (series ?? [{ name: "", points: points ?? [] }]).filter((s) => s.points.length > 0);
  const legend = all.length > 1 || (series !== undefined && all.length === 1);
  const pad = { l: 48, r: 16, t: legend ? 12 + 14 * all.length : 12, b: 40 };
  if (all.length === 0) return <p className="muted small">Not enough finished items for this chart yet.</p>;
  const xs = all.flatMap((s) => s.points.map((p) => p.x));
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const sx = (x: number) => pad.l + (xMax === xMin ? (W - pad.l - pad.r) / 2 : ((x - xMin) / (xMax - xMin)) * (W - pad.l - pad.r));
  const sy = (y: number) => pad.t + (1 - y) * (H - pad.t - pad.b);
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return (
    <svg viewBox={`0 0 ${W} ${H}`} className="chart" data-testid={testId} role="img" aria-label={`${yLabel} vs ${xLabel}`}>
      {ticks.map((t) => (
        <g key={t}>
          <line x1={pad.l} x2={W - pad.r} y1={sy(t)} y2={sy(t)} className="grid" />
          <text x={pad.l - 6} y={sy(t) + 4} textAnchor="end" className="tick">
            {Math.round(t * 100)}%
          </text>
        </g>
      ))}
      {all.map((s, i) => {
        const sorted = [...s.points].sort((a, b) => a.x - b.x);
        const path = sorted.map((p, j) => `${j ? "L" : "M"}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(" ");
        return (
          <g key={s.name || i} data-testid="chart-series" data-series={s.name}>
            {legend && (
              <g>
                <line x1={pad.l} x2={pad.l + 18} y1={8 + 14 * i} y2={8 + 14 * i} className={`series series-${i}`} />
                <text x={pad.l + 24} y={12 + 14 * i} className="legend">
                  {s.name}
                </text>
              </g>
            )}
            <path d={path} className={`series series-${i}`} />
            {sorted.map((p) => {
              const dot = (
                <g key={p.label}>
                  <circle cx={sx(p.x)} cy={sy(p.y)} r={4} className={`point point-${i}`} data-testid="chart-point">
                    <title>{`${p.label}: ${(p.y * 100).toFixed(1)}% at ${p.x.toLocaleString()}`}</title>
                  </circle>
                  <text x={sx(p.x)} y={H - pad.b + 14 + 10 * i} textAnchor="middle" className="tick">
                    {p.tick ?? (Number.isInteger(p.x) && p.x < 100 ? p.x : Math.round(p.x).toLocaleString())}
                  </text>
                </g>
              );
              return p.href ? (
                <a key={p.label} href={p.href}>
                  {dot}
                </a>
              ) : (
                dot
              );
            })}
          </g>
        );
      })}
      <text x={(W + pad.l) / 2} y={H - 6} textAnchor="middle" className="axis">
        {xLabel}
      </text>
      <text x={12} y={(H + pad.t - pad.b) / 2 + 20} textAnchor="middle" className="axis" transform={`rotate(-90 12 ${(H + pad.t - pad.b) / 2 + 20})`}>
        {yLabel}
      </text>
    </svg>
  );
}
