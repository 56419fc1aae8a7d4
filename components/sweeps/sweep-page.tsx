"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { usePoll } from "@/components/experiments/use-poll";
import { compareHref, gridRows, sweepIsLive, SweepViewSchema, sweepTag, tracesByTag, type SweepView } from "@/lib/store/sweep-view";
import { OutcomeGrid, SampleStrip } from "./outcome-grid";
import { PositionStrip } from "./position-strip";
import "./sweeps.css";

const tokens = (n: number | undefined) => (n === undefined ? "—" : n.toLocaleString("en"));

function SweepProgress({ p }: { p: SweepView["progress"] }) {
  const w = (n: number) => `${p.total ? (100 * n) / p.total : 0}%`;
  return (
    <span className="progress" title={`${p.done} done, ${p.failed} failed, ${p.running} running, ${p.pending} pending`}>
      <span className="bar done" style={{ width: w(p.done) }} />
      <span className="bar failed" style={{ width: w(p.failed) }} />
      <span className="bar running" style={{ width: w(p.running) }} />
    </span>
  );
}

/** What the sweep cost: every sample re-sends the shared prefix, so cached tokens are the saving. */
function CostLine({ cost }: { cost: SweepView["cost"] }) {
  return (
    <span className="small" data-testid="sweep-cost">
      prompt {tokens(cost.promptTokens)} tokens ({tokens(cost.cachedTokens)} cached) · completion {tokens(cost.completionTokens)}
      {cost.prefixTokens !== undefined && <> · shared prefix {tokens(cost.prefixTokens)}</>}
      {cost.tokensEvaluated !== undefined && <> · evaluated {tokens(cost.tokensEvaluated)}</>}
    </span>
  );
}

/** A sweep's page (issue 11): progress and controls, the outcome grid or the position strip, filling in live. */
export function SweepPage({ id }: { id: string }) {
  const router = useRouter();
  const [version, setVersion] = useState(0);
  const { data, error } = usePoll(`/api/sweeps/${encodeURIComponent(id)}`, SweepViewSchema, 1000, sweepIsLive, version);
  const [actionError, setActionError] = useState<string | null>(null);
  // null: cells open their trace; an array: compare mode, the traces picked so far.
  const [picked, setPicked] = useState<string[] | null>(null);
  if (error && !data) return <div className="error-banner page-pad">Could not load sweep {id}: {error}</div>;
  if (!data) return <p className="muted page-pad">Loading…</p>;
  const p = data.progress;
  const live = sweepIsLive(data);
  const act = async (what: "cancel" | "resume") => {
    setActionError(null);
    const res = await fetch(`/api/sweeps/${encodeURIComponent(id)}/${what}`, { method: "POST" });
    if (!res.ok) setActionError(((await res.json().catch(() => null)) as { error?: { message: string } } | null)?.error?.message ?? `HTTP ${res.status}`);
    setVersion((v) => v + 1);
  };
  const pick = (traceId: string) => {
    const next = picked?.includes(traceId) ? picked.filter((t) => t !== traceId) : [...(picked ?? []), traceId];
    if (next.length === 2) router.push(compareHref(next[0]!, next[1]!));
    else setPicked(next);
  };
  const rows = gridRows(data);
  const spec = data.spec;
  return (
    <main className="page sweep" data-testid="sweep-page">
      <h2>
        {data.name}{" "}
        <span className="muted small">
          {spec.type === "hints" ? `${data.arms.length} arms` : `${data.positions.length} positions`} × {spec.samples} samples from trace{" "}
          <a href={`/traces/${encodeURIComponent(spec.traceId)}`}>{spec.traceId.slice(0, 8)}</a>
          {spec.temperature !== undefined ? ` · temperature ${spec.temperature}` : ""} · seeds {spec.seed}–{spec.seed + spec.samples - 1}
        </span>
      </h2>
      <div className="panel row" data-testid="sweep-progress">
        <span className={`phase phase-${data.status}`} data-testid="sweep-status">
          {data.status}
        </span>
        <SweepProgress p={p} />
        <span data-testid="sweep-progress-text">
          {p.done} done · {p.failed} failed · {p.running} running · {p.pending} pending / {p.total}
        </span>
        {live ? (
          <button data-testid="sweep-cancel" onClick={() => void act("cancel")}>
            Cancel
          </button>
        ) : (
          p.done + p.failed < p.total && (
            <button data-testid="sweep-resume" onClick={() => void act("resume")}>
              Resume
            </button>
          )
        )}
        <a href={tracesByTag(sweepTag(data.id))} className="small">
          all {p.total} traces
        </a>
        <button className={`small${picked ? " selected" : ""}`} data-testid="sweep-compare-mode" onClick={() => setPicked(picked ? null : [])} title="pick two samples to see them side by side">
          {picked ? `Pick ${2 - picked.length} more sample${picked.length === 1 ? "" : "s"} (cancel)` : "Compare two samples…"}
        </button>
        <CostLine cost={data.cost} />
      </div>
      {actionError && <div className="error-banner">{actionError}</div>}
      {spec.type === "hints" ? (
        <>
          <OutcomeGrid sweepId={data.id} rows={rows} picked={picked} onPick={pick} />
          {data.summary && <p className="muted small">{data.summary.ciMethod} intervals; vs no hint: {data.summary.diffMethod}, pairs share a seed.</p>}
        </>
      ) : (
        <>
          <PositionStrip view={data} />
          <section className="panel">
            <h3>Samples by position</h3>
            <ol className="position-samples">
              {data.positions.map((pos, i) => (
                <li key={i} data-testid="sweep-position-samples">
                  <a href={tracesByTag(sweepTag(data.id, rows[0]?.key ?? "none", i))}>
                    {i + 1}. {pos.label ?? `char ${pos.textOffset}`}
                  </a>{" "}
                  <SampleStrip cells={rows.flatMap((r) => r.cells.filter((c) => c.position === i))} picked={picked} onPick={pick} />
                </li>
              ))}
            </ol>
          </section>
        </>
      )}
    </main>
  );
}
