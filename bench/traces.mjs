#!/usr/bin/env node
// Trace storage benchmark at 10,000 traces of ~10 KB (~90 MB): import time (through the import
// path: streamed JSONL, validated, written in slices), the longest event-loop stall during the
// import and the latency of a concurrent request (another process GETs a list page every 50 ms
// from a server on the import's event loop and connection), list latency (first page, filtered, sorted, page
// 100), full-text search latency, and export throughput (MB/s, through the route's own body,
// exportBody) with the export's peak memory, the main thread's busy time, its event-loop delay
// (p99 and longest stall) and the latency of a concurrent request (a list page every 20 ms from
// another process, answered on the export's event loop). Each export runs in its own process, twice: with the worker
// threads the route uses (HINTLAB_EXPORT_WORKERS, default 2) and in-process
// (HINTLAB_EXPORT_WORKERS=0, the path before them), for the ratio on the same machine; each
// exports twice in its process ("again": the workers' start-up already paid, as on a running
// server). The machine is often shared: compare the two rows of a format, not runs.
//
//   node bench/traces.mjs                 BENCH_TRACES=10000 traces (default)
//
// The traces are generated from the real fixtures (e2e/fixtures/data: R1-distill completions and
// ToRA tool-integrated trajectories), varied: different windows of the text, hints injected at a
// "Wait" with code and its output in a third of them, five datasets, two models, both verdicts,
// and a few annotator edits. Everything goes to a fresh temp directory, removed at the end.
// The work is in traces.mts (TypeScript, run through tsx with the react-server condition so the
// server-only modules load outside Next.js).
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const result = spawnSync(process.execPath, ["--conditions=react-server", "--import", "tsx", path.join(ROOT, "bench/traces.mts"), ...process.argv.slice(2)], {
  stdio: "inherit",
  cwd: ROOT,
  env: { ...process.env, TSX_TSCONFIG_PATH: path.join(ROOT, "tsconfig.json") },
});
process.exit(result.status ?? 1);
