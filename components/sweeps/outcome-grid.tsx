"use client";

import { cellState, ciText, pct, pp, pText, sweepTag, tracesByTag, type GridRow, type SweepItemView } from "@/lib/store/sweep-view";

const num = (x: number | null | undefined, digits = 0) => (x === null || x === undefined ? "—" : x.toLocaleString("en", { maximumFractionDigits: digits }));
const secs = (ms: number | null | undefined) => (ms === null || ms === undefined ? "—" : `${(ms / 1000).toFixed(1)} s`);

/** A rate as a bar on 0–100% with its 95% interval as whiskers; the numbers beside it. */
export function RateBar({ rate, ci, testId }: { rate: number | null; ci: readonly [number, number]; testId?: string }) {
  return (
    <span className="rate-bar" title={`${pct(rate)} (95% Wilson ${ciText(ci)})`} data-testid={testId}>
      <span className="rate-track">
        {rate !== null && <span className="rate-fill" style={{ width: `${100 * rate}%` }} />}
        <span className="rate-whisker" style={{ left: `${100 * ci[0]}%`, width: `${100 * (ci[1] - ci[0])}%` }} />
      </span>
      <span className="rate-num">
        {pct(rate)} <span className="muted small">{ciText(ci)}</span>
      </span>
    </span>
  );
}

function cellTitle(c: SweepItemView): string {
  const o = c.outcome;
  const what = c.status === "failed" ? `failed: ${c.error ?? "model server error"}` : o ? `${cellState(c)} · ${num(o.tokens)} tokens · ${secs(o.durationMs)}${o.ledToCode ? " · led to code" : ""}` : c.status;
  return `sample ${c.sample} (seed ${c.seed}): ${what}`;
}

/**
 * One square per sample. A finished sample opens its trace; in compare mode a click picks it
 * instead (two picks open the compare view).
 */
export function SampleStrip({ cells, picked, onPick }: { cells: readonly SweepItemView[]; picked: readonly string[] | null; onPick: (traceId: string) => void }) {
  return (
    <span className="sample-strip">
      {cells.map((c) => {
        const state = cellState(c);
        const common = { className: `sweep-cell cell-${state}${c.traceId && picked?.includes(c.traceId) ? " picked" : ""}`, "data-testid": "sweep-cell", "data-state": state, "data-item": c.id, title: cellTitle(c) };
        if (!c.traceId) return <span key={c.id} {...common} />;
        if (picked) return <button key={c.id} {...common} aria-label={common.title} onClick={() => onPick(c.traceId!)} />;
        return <a key={c.id} {...common} aria-label={common.title} href={`/traces/${encodeURIComponent(c.traceId)}`} />;
      })}
    </span>
  );
}

/** The outcome grid of a hint sweep: one row per arm, figures from the server's summary (lib/sweeps). */
export function OutcomeGrid({ sweepId, rows, picked, onPick }: { sweepId: string; rows: readonly GridRow[]; picked: readonly string[] | null; onPick: (traceId: string) => void }) {
  const hasNone = rows.some((r) => r.key === "none");
  return (
    <table className="table sweep-grid" data-testid="sweep-grid">
      <thead>
        <tr>
          <th>Arm</th>
          <th title="correct / graded, 95% Wilson interval">Correct</th>
          <th>Led to code</th>
          <th title="successful tool calls / tool calls">Tool success</th>
          <th>Mean tokens</th>
          <th>Mean time</th>
          {hasNone && <th title="paired by seed: exact McNemar p; Newcombe 95% CI of the difference">vs no hint</th>}
          <th>Samples</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => {
          const s = r.summary;
          const v = r.vsNone;
          return (
            <tr key={r.key} data-testid="sweep-arm-row" data-arm={r.key} data-n={s?.n ?? 0} data-graded={s?.graded ?? 0} data-correct={s?.correct ?? 0}>
              <td>
                <a href={tracesByTag(sweepTag(sweepId, r.key))} data-testid="sweep-arm-traces" title="this arm's traces in the library">
                  {r.label}
                </a>
              </td>
              <td>
                <RateBar rate={s?.correctRate ?? null} ci={s?.ci95 ?? [0, 1]} testId="sweep-correct" />
                <span className="muted small">
                  {" "}
                  {s?.correct ?? 0}/{s?.graded ?? 0}
                  {s && s.n > s.graded ? ` (${s.n - s.graded} ungraded)` : ""}
                </span>
              </td>
              <td data-testid="sweep-led-to-code">{pct(s?.ledToCodeRate)}</td>
              <td data-testid="sweep-tool-success">{pct(s?.toolSuccessRate)}</td>
              <td data-testid="sweep-mean-tokens">{num(s?.meanTokens)}</td>
              <td data-testid="sweep-mean-time">{secs(s?.meanTimeMs)}</td>
              {hasNone && (
                <td data-testid="sweep-vs-none" title={v ? `${v.pairs} pairs: both right ${v.bothCorrect}, only this arm ${v.armOnly}, only no hint ${v.noneOnly}, both wrong ${v.bothWrong}` : undefined}>
                  {r.key === "none" ? (
                    <span className="muted small">baseline</span>
                  ) : v ? (
                    <>
                      {pp(v.diff)} <span className="muted small">{v.diffCi95 ? `[${pp(v.diffCi95[0])}, ${pp(v.diffCi95[1])}]` : ""}</span>
                      <br />
                      <span className="small">
                        p = {pText(v.pValue)} <span className="muted">({v.pairs} pairs)</span>
                      </span>
                    </>
                  ) : (
                    "—"
                  )}
                </td>
              )}
              <td>
                <SampleStrip cells={r.cells} picked={picked} onPick={onPick} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
