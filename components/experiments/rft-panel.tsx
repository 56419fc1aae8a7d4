"use client";

import { useState } from "react";
import type { RftResult } from "@/lib/experiments/rft";

const FORMATS = ["segments", "openai", "sharegpt", "trl", "edits"] as const;

/** Hint-RFT selection: options, how many problems survive each step, the chosen traces, export. */
export function RftPanel({ experimentId }: { experimentId: string }) {
  const [opts, setOpts] = useState({ greedyWrong: "all", maxRepetition: 0.35, minToolCalls: 1, wCorrect: 10, wTokens: 1, wFailed: 2 });
  const [result, setResult] = useState<(RftResult & { tag: string }) | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      const res = await fetch(`/api/experiments/${encodeURIComponent(experimentId)}/rft`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          greedyWrong: opts.greedyWrong,
          maxRepetition: opts.maxRepetition,
          minToolCalls: opts.minToolCalls,
          weights: { correct: opts.wCorrect, tokens: opts.wTokens, failed: opts.wFailed },
        }),
      });
      const body = (await res.json()) as RftResult & { tag: string } & { error?: { message: string } };
      if (!res.ok) throw new Error(body.error?.message ?? `HTTP ${res.status}`);
      setResult(body);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const n = (k: keyof typeof opts) => (e: React.ChangeEvent<HTMLInputElement>) => setOpts({ ...opts, [k]: Number(e.target.value) });
  return (
    <section className="panel" data-testid="rft-panel">
      <h3>Hint-RFT selection</h3>
      <p className="muted small">
        Per problem: traces where a hint policy is correct and greedy was wrong, without repetitive patterns, with a successful tool call; scored; the best one kept.
      </p>
      <div className="row">
        <label>
          greedy wrong on
          <select value={opts.greedyWrong} onChange={(e) => setOpts({ ...opts, greedyWrong: e.target.value })}>
            <option value="all">all samples</option>
            <option value="any">any sample</option>
          </select>
        </label>
        <label>
          max repetition (0–1)
          <input type="number" step="0.05" min={0} max={1} value={opts.maxRepetition} onChange={n("maxRepetition")} />
        </label>
        <label>
          min tool calls
          <input type="number" min={0} value={opts.minToolCalls} onChange={n("minToolCalls")} />
        </label>
        <label>
          weight: correct
          <input type="number" value={opts.wCorrect} onChange={n("wCorrect")} />
        </label>
        <label>
          per 1k tokens
          <input type="number" value={opts.wTokens} onChange={n("wTokens")} />
        </label>
        <label>
          per failed run
          <input type="number" value={opts.wFailed} onChange={n("wFailed")} />
        </label>
        <button className="primary" data-testid="run-rft" disabled={busy} onClick={() => void run()}>
          Select
        </button>
      </div>
      {error && <div className="error-banner">{error}</div>}
      {result && (
        <>
          <table className="table" data-testid="rft-funnel">
            <thead>
              <tr>
                <th>step</th>
                <th>problems</th>
                <th>traces</th>
              </tr>
            </thead>
            <tbody>
              {result.funnel.map((s) => (
                <tr key={s.step}>
                  <td>{s.step}</td>
                  <td>{s.problems}</td>
                  <td>{s.traces}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="small muted">
            Repetition scores of the candidates: {result.repetitionScores.map((r) => r.score.toFixed(2)).join(", ") || "none"} (dropped above {result.options.maxRepetition}).
          </p>
          <div className="row">
            <a href={`/traces?tag=${encodeURIComponent(result.tag)}`}>{result.selected.length} selected traces</a>
            <a className="button" href={`/queues/new?rft=${encodeURIComponent(experimentId)}`} data-testid="rft-queue">
              Annotation queue…
            </a>
            {FORMATS.map((f) => (
              <a key={f} className="button" href={`/api/export?format=${f}&tag=${encodeURIComponent(result.tag)}`} download={`hintlab-rft-${f}.jsonl`} data-testid={`rft-export-${f}`}>
                export {f}
              </a>
            ))}
          </div>
        </>
      )}
    </section>
  );
}
