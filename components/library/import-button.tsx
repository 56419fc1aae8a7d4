"use client";

import { useEffect, useRef, useState } from "react";
import { z } from "zod";
import { ImportJobSchema, IMPORT_MODES, type ImportJob, type ImportMode, type ImportProgress } from "@/lib/import";
import { useCan } from "@/components/ui/session";

const ReportSchema = z.object({ imported: z.number(), failed: z.number(), lines: z.number() });
const POLL_MS = 500;

type State =
  | { step: "idle" }
  | { step: "running"; job: string; file: string; size: number; progress?: ImportProgress }
  | { step: "done"; message: string }
  | { step: "failed"; message: string };

/** What the import is doing, in words ("reading 40.2 of 88.6 MB · 4,512 lines"). */
export function describeProgress(p: ImportProgress | undefined, size: number): string {
  const mb = (b: number) => (b / 1048576).toFixed(1);
  if (!p || p.phase === "reading") return `reading ${mb(p?.bytes ?? 0)} of ${mb(p?.totalBytes ?? size)} MB · ${(p?.lines ?? 0).toLocaleString("en")} lines${p?.failed ? ` (${p.failed} failed)` : ""}`;
  if (p.phase === "checking") return `checking ${p.total.toLocaleString("en")} ids`;
  if (p.phase === "writing") return `writing ${p.written.toLocaleString("en")} of ${p.total.toLocaleString("en")} traces`;
  if (p.phase === "undoing") return "a line failed while writing: removing what was written";
  return "finishing";
}

/**
 * "Import…": a JSONL file of traces sent as the POST body (the browser streams the File, never
 * read into the page), with a random job id so the page can poll the server's progress while the
 * POST runs (GET /api/traces/import?job=ID). The server imports in slices, so the library and
 * every other page keep answering meanwhile. Researchers only (the server refuses others too).
 */
export function ImportButton({ onImported }: { onImported: (dataset?: string) => void }) {
  const canImport = useCan("run");
  const [mode, setMode] = useState<ImportMode>("valid-lines");
  const [dataset, setDataset] = useState("");
  const [state, setState] = useState<State>({ step: "idle" });
  const input = useRef<HTMLInputElement>(null);
  const running = state.step === "running" ? state.job : undefined;

  // External system: the server's job, polled while this page's upload runs.
  useEffect(() => {
    if (!running) return;
    const ctl = new AbortController();
    const timer = setInterval(() => {
      fetch(`/api/traces/import?job=${running}`, { signal: ctl.signal, cache: "no-store" })
        .then(async (res) => (res.ok ? ImportJobSchema.parse(await res.json()) : undefined))
        .then((job: ImportJob | undefined) => {
          if (job) setState((s) => (s.step === "running" && s.job === running ? { ...s, progress: job.progress } : s));
        })
        .catch(() => undefined); // A missed poll is only a stale figure; the POST's answer is what counts.
    }, POLL_MS);
    return () => {
      clearInterval(timer);
      ctl.abort();
    };
  }, [running]);

  if (!canImport) return null;
  const start = async (file: File) => {
    const job = crypto.randomUUID();
    setState({ step: "running", job, file: file.name, size: file.size });
    const sp = new URLSearchParams({ mode, job });
    if (dataset.trim()) sp.set("dataset", dataset.trim());
    try {
      const res = await fetch(`/api/traces/import?${sp}`, { method: "POST", headers: { "content-type": "application/x-ndjson" }, body: file });
      const body = (await res.json().catch(() => null)) as unknown;
      if (!res.ok) throw new Error((body as { error?: { message?: string } } | null)?.error?.message ?? `HTTP ${res.status}`);
      const r = ReportSchema.parse(body);
      setState({ step: "done", message: `${r.imported} of ${r.lines} trace${r.lines === 1 ? "" : "s"} imported from ${file.name}${r.failed ? `; ${r.failed} line${r.failed === 1 ? "" : "s"} failed` : ""}` });
      onImported(dataset.trim() || undefined);
    } catch (e) {
      setState({ step: "failed", message: (e as Error).message });
    }
  };
  return (
    <span className="row">
      <select value={mode} onChange={(e) => setMode(e.target.value as ImportMode)} aria-label="Import mode" data-testid="import-mode" disabled={!!running}>
        {IMPORT_MODES.map((m) => (
          <option key={m} value={m}>
            {m === "valid-lines" ? "keep valid lines" : "all or nothing"}
          </option>
        ))}
      </select>
      <input value={dataset} onChange={(e) => setDataset(e.target.value)} placeholder="dataset (optional)" aria-label="Dataset of the imported traces" size={14} disabled={!!running} />
      <input
        ref={input}
        type="file"
        accept=".jsonl,.ndjson,application/x-ndjson,application/json"
        hidden
        data-testid="import-file"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = "";
          if (file) void start(file);
        }}
      />
      <button data-testid="import-button" disabled={!!running} onClick={() => input.current?.click()} title="import traces from a JSONL file (hintlab, prompt/completion, OpenAI messages, ShareGPT)">
        {running ? "Importing…" : "Import…"}
      </button>
      {state.step === "running" && (
        <span className="small muted" role="status" data-testid="import-progress">
          {state.file}: {describeProgress(state.progress, state.size)}
        </span>
      )}
      {state.step === "done" && (
        <span className="small muted" role="status" data-testid="import-status">
          {state.message}
        </span>
      )}
      {state.step === "failed" && (
        <span className="small error" role="alert" data-testid="import-error">
          Import failed: {state.message}
        </span>
      )}
    </span>
  );
}
