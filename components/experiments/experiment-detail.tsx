"use client";

import { useState } from "react";
import { z } from "zod";
import { ExperimentSummarySchema, type ExperimentSummary } from "@/lib/protocol";
import { scalingChart, type ExperimentResults } from "@/lib/experiments/results";
import { LineChart } from "./scaling-chart";
import { ProgressBar } from "./experiment-list";
import { RftPanel } from "./rft-panel";
import { usePoll } from "./use-poll";

// Results are computed server-side by lib/experiments/results.ts; validated here only loosely.
const DetailSchema = ExperimentSummarySchema.extend({ results: z.custom<ExperimentResults>((v) => typeof v === "object" && v !== null) });
type Detail = z.infer<typeof DetailSchema>;
const live = (d: Detail) => d.status === "running" || d.status === "pending";

const pct = (x: number | null | undefined) => (x === null || x === undefined ? "—" : `${(100 * x).toFixed(1)}%`);
const num = (x: number | null | undefined, digits = 0) => (x === null || x === undefined ? "—" : x.toLocaleString(undefined, { maximumFractionDigits: digits }));

/** Traces behind a cell: the runner tags every trace with its experiment and policy. */
export function tracesHref(exp: Pick<ExperimentSummary, "id">, filter: { policy?: string; hint?: string; verdict?: string }) {
  const sp = new URLSearchParams();
  sp.set("tag", filter.policy ? `exp:${exp.id}:${filter.policy}` : `exp:${exp.id}`);
  if (filter.hint) sp.set("hint", filter.hint);
  if (filter.verdict) sp.set("verdict", filter.verdict);
  return `/traces?${sp}`;
}

export function ExperimentDetail({ id }: { id: string }) {
  const [version, setVersion] = useState(0);
  const { data, error } = usePoll(`/api/experiments/${encodeURIComponent(id)}`, DetailSchema, 1000, live, version);
  const [actionError, setActionError] = useState<string | null>(null);
  if (error && !data) return <div className="error-banner page-pad">Could not load experiment {id}: {error}</div>;
  if (!data) return <p className="muted page-pad">Loading…</p>;
  const p = data.progress;
  const act = async (what: "cancel" | "resume") => {
    setActionError(null);
    const res = await fetch(`/api/experiments/${encodeURIComponent(id)}/${what}`, { method: "POST" });
    if (!res.ok) setActionError(((await res.json()) as { error?: { message: string } }).error?.message ?? `HTTP ${res.status}`);
    setVersion((v) => v + 1);
  };
  const r = data.results;
  return (
    <main className="page experiment" data-testid="experiment-detail">
      <h2>
        {data.name} <span className="muted small">on {data.datasetName}</span>
      </h2>
      <div className="panel row" data-testid="experiment-progress">
        <span className={`phase phase-${data.status}`}>{data.status}</span>
        <ProgressBar p={p} />
        <span>
          {p.done} done · {p.failed} failed · {p.running} running · {p.pending} pending / {p.total}
        </span>
        {p.tokensPerSec !== null && <span className="muted small">{num(p.tokensPerSec)} tokens/s</span>}
        {p.etaSec !== null && live(data) && <span className="muted small">ETA {Math.ceil(p.etaSec)} s</span>}
        {live(data) ? (
          <button data-testid="cancel-experiment" onClick={() => void act("cancel")}>
            Cancel
          </button>
        ) : (
          p.done + p.failed < p.total && (
            <button data-testid="resume-experiment" onClick={() => void act("resume")}>
              Resume
            </button>
          )
        )}
        <a href={tracesHref(data, {})}>all traces</a>
      </div>
      {actionError && <div className="error-banner">{actionError}</div>}

      <h3>Per policy</h3>
      <p className="muted small">pass@1 = mean over problems of the share of correct samples; 95% CI: {r.ciMethod}. Failed items (model server errors) and ungradable answers (over the grader's per-pair time limit, or too large) are not counted as wrong.</p>
      <table className="table" data-testid="policy-results">
        <thead>
          <tr>
            <th>Policy</th>
            <th>n</th>
            <th>failed</th>
            <th>pass@1</th>
            <th>95% CI</th>
            <th>tool-call rate</th>
            <th>mean tool calls</th>
            <th>mean tokens</th>
            <th>mean time</th>
            <th>ungradable</th>
          </tr>
        </thead>
        <tbody>
          {r.policies.map((row) => (
            <tr key={row.policy} data-testid="policy-row">
              <td>
                <a href={tracesHref(data, { policy: row.policy })}>{row.policy}</a>
              </td>
              <td>{row.n}</td>
              <td>{row.failed ? <a href={tracesHref(data, { policy: row.policy })}>{row.failed}</a> : 0}</td>
              <td>
                <a href={tracesHref(data, { policy: row.policy, verdict: "correct" })}>{pct(row.pass1)}</a>
              </td>
              <td className="small">{row.ci95 ? `${pct(row.ci95[0])} – ${pct(row.ci95[1])}` : "—"}</td>
              <td>{pct(row.toolCallRate)}</td>
              <td>{num(row.meanToolCalls, 2)}</td>
              <td>{num(row.meanTokens)}</td>
              <td>{row.meanTimeMs === null ? "—" : `${(row.meanTimeMs / 1000).toFixed(1)} s`}</td>
              <td>{row.ungradable ? <a href={tracesHref(data, { policy: row.policy, verdict: "ungradable" })}>{row.ungradable}</a> : 0}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h3>Per hint</h3>
      <table className="table" data-testid="hint-results">
        <thead>
          <tr>
            <th>Hint</th>
            <th>injected</th>
            <th>led to code</th>
            <th>correct</th>
            <th>wrong → right (vs greedy)</th>
            <th>right → wrong</th>
            <th>paired with greedy</th>
          </tr>
        </thead>
        <tbody>
          {r.hints.map((h) => (
            <tr key={h.hint}>
              <td>
                <a href={tracesHref(data, { hint: h.hint })}>{h.hint}</a>
              </td>
              <td>{h.injected}</td>
              <td>{h.ledToCode}</td>
              <td>{h.correct}</td>
              <td>{h.wrongToRight}</td>
              <td>{h.rightToWrong}</td>
              <td>{h.pairedWithGreedy}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {r.hints.length === 0 && <p className="muted small">No hints injected yet.</p>}

      <div className="charts">
        <section className="panel">
          <h3>Sequential test-time scaling</h3>
          <ScalingChart results={r} data={data} />
        </section>
        <section className="panel">
          <h3>Accuracy vs tokens</h3>
          <LineChart
            testId="tokens-chart"
            xLabel="mean tokens per trace"
            yLabel="pass@1"
            points={r.accuracyVsTokens.map((s) => ({ x: s.meanTokens, y: s.pass1, label: s.policy, href: tracesHref(data, { policy: s.policy }) }))}
          />
        </section>
      </div>
      <RftPanel experimentId={data.id} />
    </main>
  );
}

/** Figure 5: hint rounds against rounds, or with budget forcing (s1) both against mean tokens. */
function ScalingChart({ results, data }: { results: ExperimentResults; data: Pick<ExperimentSummary, "id"> }) {
  const chart = scalingChart({ scaling: results.scaling, budgetScaling: results.budgetScaling ?? [] });
  const onTokens = chart.x === "meanTokens";
  return (
    <LineChart
      testId="scaling-chart"
      xLabel={onTokens ? "mean tokens per trace (points: hint rounds / thinking budget)" : "end-of-thinking rounds"}
      yLabel="pass@1"
      series={chart.series.map((s) => ({
        name: s.name,
        points: s.points.map((p) => ({ x: p.x, y: p.y, label: p.policy, ...(onTokens ? { tick: p.label } : {}), href: tracesHref(data, { policy: p.policy }) })),
      }))}
    />
  );
}
