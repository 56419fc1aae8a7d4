"use client";

import { useState } from "react";
import { z } from "zod";
import { ExperimentSummarySchema } from "@/lib/protocol";
import type { ExperimentResults } from "@/lib/experiments/results";
import { scalingChartData, tokensChartData } from "@/lib/experiments/charts";
import { ProgressBar } from "./experiment-list";
import { ResultsChart } from "./results-chart";
import { EndpointTable, HintTable, PolicyTable } from "./results-tables";
import { RftPanel } from "./rft-panel";
import { tracesHref } from "./traces-href";
import { usePoll } from "./use-poll";
import { EndpointsPanel } from "./endpoints-panel";
import { WorkersPanel } from "./workers-panel";

// Results are computed server-side by lib/experiments/results.ts; validated here only loosely.
const DetailSchema = ExperimentSummarySchema.extend({ results: z.custom<ExperimentResults>((v) => typeof v === "object" && v !== null) });
type Detail = z.infer<typeof DetailSchema>;
const live = (d: Detail) => d.status === "running" || d.status === "pending";
/** Live: every second. Stopped with items left: every 5 s, since a `hintlab worker` elsewhere may take it up. */
const polling = (d: Detail) => (live(d) ? true : d.progress.done + d.progress.failed < d.progress.total ? 5000 : false);

const num = (x: number | null | undefined, digits = 0) => (x === null || x === undefined ? "—" : x.toLocaleString(undefined, { maximumFractionDigits: digits }));

export function ExperimentDetail({ id }: { id: string }) {
  const [version, setVersion] = useState(0);
  const { data, error } = usePoll(`/api/experiments/${encodeURIComponent(id)}`, DetailSchema, 1000, polling, version);
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
  const policyHref = (policy: string) => tracesHref(data, { policy });
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
      {data.workers && data.workers.length > 0 && <WorkersPanel workers={data.workers} />}
      {data.endpoints && data.endpoints.length > 0 && <EndpointsPanel endpoints={data.endpoints} />}

      <h3>Per policy</h3>
      <p className="muted small">
        pass@1 = mean over problems of the share of correct samples; 95% CI: {r.ciMethod}. Failed items (model server errors) and ungradable answers (over the grader&apos;s per-pair time limit, or too
        large) are not counted as wrong. Click a column header to sort.
      </p>
      <PolicyTable rows={r.policies} exp={data} />

      <h3>Per hint</h3>
      <HintTable rows={r.hints} exp={data} />
      {r.hints.length === 0 && <p className="muted small">No hints injected yet.</p>}

      {(r.endpoints?.length ?? 0) > 1 && (
        <>
          <h3>Per model server</h3>
          <p className="muted small">Which server each item&apos;s trace ran on (its last request): requests went to the server with the fewest in flight, and a failing one was taken out until its health check passed.</p>
          <EndpointTable rows={r.endpoints} />
        </>
      )}

      <div className="charts">
        <section className="panel">
          <h3>Sequential test-time scaling</h3>
          <ResultsChart testId="scaling-chart" data={scalingChartData(r)} hrefOf={policyHref} />
        </section>
        <section className="panel">
          <h3>Accuracy vs tokens</h3>
          <ResultsChart testId="tokens-chart" data={tokensChartData(r, data.policies)} hrefOf={policyHref} />
        </section>
      </div>
      <RftPanel experimentId={data.id} />
    </main>
  );
}
