"use client";

/**
 * A small SVG line chart (no chart library: two series of a few points). Used for the paper's
 * Figure 5 (accuracy vs end-of-thinking rounds) and for accuracy vs tokens.
 */
export interface ChartPoint {
  x: number;
  y: number;
  label: string;
  href?: string;
}

export function LineChart({ points, xLabel, yLabel, testId }: { points: ChartPoint[]; xLabel: string; yLabel: string; testId?: string }) {
  const W = 420;
  const H = 240;
  const pad = { l: 48, r: 16, t: 12, b: 40 };
  if (points.length === 0) return <p className="muted small">Not enough finished items for this chart yet.</p>;
  const xs = points.map((p) => p.x);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const sx = (x: number) => pad.l + (xMax === xMin ? (W - pad.l - pad.r) / 2 : ((x - xMin) / (xMax - xMin)) * (W - pad.l - pad.r));
  const sy = (y: number) => pad.t + (1 - y) * (H - pad.t - pad.b);
  const sorted = [...points].sort((a, b) => a.x - b.x);
  const path = sorted.map((p, i) => `${i ? "L" : "M"}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(" ");
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
      <path d={path} className="series" />
      {sorted.map((p) => {
        const dot = (
          <g key={`${p.label}`}>
            <circle cx={sx(p.x)} cy={sy(p.y)} r={4} className="point">
              <title>{`${p.label}: ${(p.y * 100).toFixed(1)}% at ${p.x.toLocaleString()}`}</title>
            </circle>
            <text x={sx(p.x)} y={H - pad.b + 14} textAnchor="middle" className="tick">
              {Number.isInteger(p.x) && p.x < 100 ? p.x : Math.round(p.x).toLocaleString()}
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
      <text x={(W + pad.l) / 2} y={H - 6} textAnchor="middle" className="axis">
        {xLabel}
      </text>
      <text x={12} y={H / 2} textAnchor="middle" className="axis" transform={`rotate(-90 12 ${H / 2})`}>
        {yLabel}
      </text>
    </svg>
  );
}
