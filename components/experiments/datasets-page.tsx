"use client";

import { useState } from "react";
import { z } from "zod";
import { DatasetImportResultSchema, DatasetSummarySchema, ProblemPageSchema, type DatasetImportResult } from "@/lib/protocol";
import { usePoll } from "./use-poll";

const DatasetsSchema = z.array(DatasetSummarySchema);
const never = () => false;

/**
 * Problem sets: the ones hintlab ships (bundled, read-only, ready to run) and the user's imports
 * (JSONL, bad lines reported); browse problems, open any in the playground, start an experiment.
 */
export function DatasetsPage() {
  const [version, setVersion] = useState(0);
  const { data, error } = usePoll("/api/datasets", DatasetsSchema, 0, never, version);
  const [open, setOpen] = useState<string | null>(null);
  const [report, setReport] = useState<DatasetImportResult | null>(null);
  const [importError, setImportError] = useState<string | null>(null);

  const upload = async (file: File) => {
    setImportError(null);
    setReport(null);
    const name = file.name.replace(/\.jsonl?$/i, "");
    const res = await fetch(`/api/datasets/import?name=${encodeURIComponent(name)}`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: await file.text() });
    const body = (await res.json()) as unknown;
    const parsed = DatasetImportResultSchema.safeParse(body);
    if (parsed.success) setReport(parsed.data);
    else setImportError((body as { error?: { message?: string } }).error?.message ?? `HTTP ${res.status}`);
    setVersion((v) => v + 1);
  };

  // Imports only: the server refuses a bundled set (read-only) and one an experiment uses, and says why.
  const remove = async (id: string, name: string) => {
    if (!window.confirm(`Delete the dataset "${name}" and its problems? Traces keep their own copy of each problem.`)) return;
    setImportError(null);
    const res = await fetch(`/api/datasets/${encodeURIComponent(id)}`, { method: "DELETE" });
    if (!res.ok) setImportError(((await res.json().catch(() => ({}))) as { error?: { message?: string } }).error?.message ?? `HTTP ${res.status}`);
    if (open === id && res.ok) setOpen(null);
    setVersion((v) => v + 1);
  };

  return (
    <main className="page" data-testid="datasets-page">
      <h2>Datasets</h2>
      <p className="muted small">
        AIME 2024, AMC 2023, a MATH sample and a LiveCodeBench sample come with hintlab: start an experiment on one right away, or import your own below.
      </p>
      <label className="panel">
        Import a problem set (JSONL: MATH/AIME/AMC with problem + answer, or LiveCodeBench with problem, starter_code, tests)
        <input type="file" accept=".jsonl,.json,.txt" data-testid="dataset-file" onChange={(e) => e.target.files?.[0] && void upload(e.target.files[0])} />
      </label>
      {importError && <div className="error-banner">{importError}</div>}
      {report && (
        <div className={report.errors.length ? "notice" : "panel"} data-testid="dataset-report">
          Imported {report.imported} problem(s){report.dataset ? ` into ${report.dataset.name}` : ""}.
          {report.errors.length > 0 && (
            <ul>
              {report.errors.slice(0, 50).map((e) => (
                <li key={e.line}>
                  line {e.line}: {e.reason}
                </li>
              ))}
              {report.errors.length > 50 && <li>… {report.errors.length - 50} more</li>}
            </ul>
          )}
        </div>
      )}
      {error && <div className="error-banner">{error}</div>}
      <table className="table" data-testid="dataset-list">
        <thead>
          <tr>
            <th>Name</th>
            <th>Problems</th>
            <th>Kinds</th>
            <th>Origin</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(data ?? []).map((d) => (
            <tr key={d.id} data-testid="dataset-row" data-bundled={d.bundled?.key}>
              <td>
                <button className="link" onClick={() => setOpen(open === d.id ? null : d.id)}>
                  {d.name}
                </button>
                {d.bundled && (
                  <span className="badge" title="Ships with hintlab; read-only">
                    bundled
                  </span>
                )}
              </td>
              <td>{d.problemCount}</td>
              <td className="small">
                {Object.entries(d.kinds)
                  .map(([k, n]) => `${k}: ${n}`)
                  .join(", ")}
              </td>
              <td className="small muted">{d.bundled ? `${d.bundled.source} (${d.bundled.license})` : `imported ${new Date(d.createdAt).toLocaleString()}`}</td>
              <td>
                <a href={`/experiments?dataset=${encodeURIComponent(d.id)}`} data-testid="start-experiment-on-dataset">
                  Start an experiment
                </a>
                {!d.bundled && (
                  <>
                    {" · "}
                    <button className="link" data-testid="delete-dataset" onClick={() => void remove(d.id, d.name)}>
                      Delete
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {open && <ProblemBrowser datasetId={open} />}
    </main>
  );
}

function ProblemBrowser({ datasetId }: { datasetId: string }) {
  const [offset, setOffset] = useState(0);
  const limit = 20;
  const { data, error } = usePoll(`/api/datasets/${encodeURIComponent(datasetId)}/problems?offset=${offset}&limit=${limit}`, ProblemPageSchema, 0, never);
  if (error) return <div className="error-banner">{error}</div>;
  if (!data) return <p className="muted">Loading problems…</p>;
  return (
    <section className="panel" data-testid="problem-browser">
      <div className="row">
        <strong>{data.total} problems</strong>
        <button disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - limit))}>
          ← Previous
        </button>
        <button disabled={offset + limit >= data.total} onClick={() => setOffset(offset + limit)}>
          Next →
        </button>
      </div>
      <ol start={offset + 1} className="problem-list">
        {data.problems.map((p, i) => (
          <li key={p.id} data-testid="dataset-problem">
            <span className="small muted">
              {p.kind}
              {p.gold ? ` · gold ${p.gold}` : ""}
              {p.tests?.length ? ` · ${p.tests.length} tests` : ""}
            </span>{" "}
            <a href={`/?dataset=${encodeURIComponent(datasetId)}&index=${offset + i}`} data-testid="open-in-playground">
              open in playground
            </a>
            <div className="problem-text small">{p.statement.slice(0, 400)}</div>
          </li>
        ))}
      </ol>
    </section>
  );
}
