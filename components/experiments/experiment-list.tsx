"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { z } from "zod";
import { DatasetSummarySchema, ExperimentListEntrySchema, formatBudgetLabel, parseBudgetLabel, splitPolicyLabels, TEMPLATE_IDS, type ExperimentListEntry, type ExperimentSummary } from "@/lib/protocol";
import { usePoll } from "./use-poll";

const ListSchema = z.array(ExperimentListEntrySchema);
const DatasetsSchema = z.array(DatasetSummarySchema);
const anyRunning = (xs: ExperimentListEntry[]) => xs.some((x) => x.status === "running" || x.status === "pending");

export function ProgressBar({ p }: { p: ExperimentSummary["progress"] }) {
  const pct = (n: number) => `${p.total ? (100 * n) / p.total : 0}%`;
  return (
    <span className="progress" title={`${p.done} done, ${p.failed} failed, ${p.running} running, ${p.pending} pending`}>
      <span className="bar done" style={{ width: pct(p.done) }} />
      <span className="bar failed" style={{ width: pct(p.failed) }} />
      <span className="bar running" style={{ width: pct(p.running) }} />
    </span>
  );
}

/** `datasetId`: preselected (and the form opened) when the Datasets page's "Start an experiment" led here. */
export function ExperimentList({ datasetId }: { datasetId?: string }) {
  const { data, error } = usePoll("/api/experiments", ListSchema, 2000, anyRunning);
  return (
    <main className="page">
      <h2>Experiments</h2>
      <NewExperiment datasetId={datasetId} />
      {error && <div className="error-banner">{error}</div>}
      <table className="table" data-testid="experiment-list">
        <thead>
          <tr>
            <th>Name</th>
            <th>Dataset</th>
            <th>Policies</th>
            <th>Status</th>
            <th>Progress</th>
            <th>Created</th>
          </tr>
        </thead>
        <tbody>
          {(data ?? []).map((x) => (
            <tr key={x.id} data-testid="experiment-row">
              <td>
                <a href={x.kind === "sweep" ? `/sweeps/${encodeURIComponent(x.id)}` : `/experiments/${encodeURIComponent(x.id)}`}>{x.name}</a>
              </td>
              <td>{x.kind === "sweep" ? <a href={`/traces/${encodeURIComponent(x.traceId)}`}>sweep of a trace</a> : x.datasetName}</td>
              <td className="small">{x.kind === "sweep" ? (x.spec.type === "hints" ? `${x.spec.arms.length} arms × ${x.spec.samples}` : `positions × ${x.spec.samples}`) : x.policies.map((p) => p.label).join(", ")}</td>
              <td>{x.status}</td>
              <td>
                <ProgressBar p={x.progress} /> {x.progress.done + x.progress.failed}/{x.progress.total}
              </td>
              <td className="small muted">{new Date(x.createdAt).toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {data?.length === 0 && (
        <p className="muted">
          No experiments yet. Start one above on a bundled dataset (AIME 2024, AMC 2023, the MATH sample, LiveCodeBench) or on one you import under Datasets (or use `npx hintlab run --dataset aime24`).
        </p>
      )}
    </main>
  );
}

function NewExperiment({ datasetId }: { datasetId?: string }) {
  const router = useRouter();
  const datasets = usePoll("/api/datasets", DatasetsSchema, 0, () => false);
  const [form, setForm] = useState({ datasetId: datasetId ?? "", name: "", policies: "greedy,paper:rounds=1,paper:rounds=2", samples: 1, problemLimit: "", concurrency: 8, maxTokens: 16384, codeTestTimeoutMs: 6000, floatTolerance: "0", baseUrl: "", model: "", template: "" });
  const [error, setError] = useState<string | null>(null);
  const submit = async () => {
    setError(null);
    const body = {
      datasetId: form.datasetId || datasets.data?.[0]?.id,
      ...(form.name ? { name: form.name } : {}),
      // A budget label has commas of its own (budget:min=N,max=M): split as the CLI does.
      policies: splitPolicyLabels(form.policies),
      samples: form.samples,
      ...(Number(form.problemLimit) >= 1 ? { problemLimit: Math.floor(Number(form.problemLimit)) } : {}),
      concurrency: form.concurrency,
      maxTokens: form.maxTokens,
      codeTestTimeoutMs: form.codeTestTimeoutMs,
      // Sent as typed: the server says what is wrong with it (e.g. "1e-6" is fine, "abc" is not).
      floatTolerance: Number(form.floatTolerance),
      model: { ...(form.baseUrl ? { baseUrl: form.baseUrl } : {}), ...(form.model ? { model: form.model } : {}), ...(form.template ? { template: form.template } : {}) },
    };
    const res = await fetch("/api/experiments", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const json = (await res.json()) as { id?: string; error?: { message: string } };
    if (!res.ok || !json.id) return setError(json.error?.message ?? `HTTP ${res.status}`);
    router.push(`/experiments/${encodeURIComponent(json.id)}`);
  };
  return (
    <details className="panel" data-testid="new-experiment" open={datasetId ? true : undefined}>
      <summary>New experiment</summary>
      <div className="grid2">
        <label>
          Dataset
          <select data-testid="experiment-dataset" value={form.datasetId} onChange={(e) => setForm({ ...form, datasetId: e.target.value })}>
            {(datasets.data ?? []).map((d) => (
              <option key={d.id} value={d.id}>
                {d.name} ({d.problemCount}){d.bundled ? " · bundled" : ""}
              </option>
            ))}
          </select>
        </label>
        <label>
          Name
          <input value={form.name} placeholder="optional" onChange={(e) => setForm({ ...form, name: e.target.value })} />
        </label>
        <label>
          Policies <span className="small muted">greedy, paper:rounds=R[:p=P][:hint=ID], budget:min=N,max=M[,word=W]</span>
          <input data-testid="experiment-policies" value={form.policies} onChange={(e) => setForm({ ...form, policies: e.target.value })} />
        </label>
        <AddBudgetPolicy onAdd={(label) => setForm((f) => ({ ...f, policies: f.policies.trim() ? `${f.policies.trim()},${label}` : label }))} />
        <label>
          Samples per problem
          <input type="number" min={1} value={form.samples} onChange={(e) => setForm({ ...form, samples: Math.max(1, Number(e.target.value) || 1) })} />
        </label>
        <label>
          Problems <span className="small muted">(the first N; empty = all)</span>
          <input data-testid="experiment-problem-limit" type="number" min={1} value={form.problemLimit} placeholder="all" onChange={(e) => setForm({ ...form, problemLimit: e.target.value })} />
        </label>
        <label>
          Concurrency
          <input type="number" min={1} value={form.concurrency} onChange={(e) => setForm({ ...form, concurrency: Math.max(1, Number(e.target.value) || 1) })} />
        </label>
        <label>
          Max tokens per trace
          <input type="number" min={1} value={form.maxTokens} onChange={(e) => setForm({ ...form, maxTokens: Math.max(1, Number(e.target.value) || 1) })} />
        </label>
        <label>
          Per-test time limit, ms <span className="small muted">(code problems)</span>
          <input data-testid="experiment-code-timeout" type="number" min={100} max={120000} value={form.codeTestTimeoutMs} onChange={(e) => setForm({ ...form, codeTestTimeoutMs: Number(e.target.value) || 6000 })} />
        </label>
        <label>
          Float tolerance <span className="small muted">(code, stdin: 0 = LiveCodeBench&apos;s exact decimals; e.g. 1e-6)</span>
          <input data-testid="experiment-float-tolerance" value={form.floatTolerance} onChange={(e) => setForm({ ...form, floatTolerance: e.target.value })} />
        </label>
        <label>
          Base URL <span className="small muted">(default: the server&apos;s)</span>
          <input value={form.baseUrl} onChange={(e) => setForm({ ...form, baseUrl: e.target.value })} />
        </label>
        <label>
          Model
          <input value={form.model} onChange={(e) => setForm({ ...form, model: e.target.value })} />
        </label>
        <label>
          Template
          <select value={form.template} onChange={(e) => setForm({ ...form, template: e.target.value })}>
            <option value="">server default</option>
            {TEMPLATE_IDS.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error && <p className="error">{error}</p>}
      <button className="primary" data-testid="start-experiment" disabled={!datasets.data?.length} onClick={() => void submit()}>
        Start
      </button>
    </details>
  );
}

/**
 * Budget forcing (s1) next to paper:rounds=R: builds a `budget:min=N,max=M[,word=W]` label and
 * adds it to the policy list, so a sweep of budgets is a few clicks (and the grammar is checked here).
 */
function AddBudgetPolicy({ onAdd }: { onAdd: (label: string) => void }) {
  const [min, setMin] = useState("1000");
  const [max, setMax] = useState("4000");
  const [word, setWord] = useState("Wait");
  const [error, setError] = useState<string | null>(null);
  const add = () => {
    const opts = [min.trim() ? `min=${min.trim()}` : "", max.trim() ? `max=${max.trim()}` : "", word.trim() && word.trim() !== "Wait" ? `word=${word.trim()}` : ""].filter(Boolean);
    try {
      onAdd(formatBudgetLabel(parseBudgetLabel(`budget:${opts.join(",")}`)));
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <fieldset className="budget-policy" data-testid="experiment-budget">
      <legend className="small">Budget forcing (s1), in thinking tokens</legend>
      <label>
        Min
        <input data-testid="experiment-budget-min" type="number" min={0} value={min} onChange={(e) => setMin(e.target.value)} />
      </label>
      <label>
        Max
        <input data-testid="experiment-budget-max" type="number" min={1} value={max} placeholder="no cap" onChange={(e) => setMax(e.target.value)} />
      </label>
      <label>
        Word
        <input data-testid="experiment-budget-word" value={word} maxLength={40} onChange={(e) => setWord(e.target.value)} />
      </label>
      <button type="button" data-testid="experiment-budget-add" onClick={add}>
        Add budget policy
      </button>
      {error && <p className="error small">{error}</p>}
    </fieldset>
  );
}
