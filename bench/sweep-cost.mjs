#!/usr/bin/env node
// Sweep cost benchmark (issue 11): a 6-hint × 8-sample sweep from one point of a trace whose
// prefix is ~16k tokens, on the tiny random-weight local GGUF (one thread, no download, no app),
// against the same 48 samples run as independent traces (each its own session: the prefix is
// evaluated every time). Prints tokens evaluated (the provider's meter, equal to llama.cpp's
// token meter) and wall time for both, and prefix + Σ continuation for comparison.
//
//   flock /work/coord/heavy.lock node bench/sweep-cost.mjs [appURL]   (appURL accepted and ignored)
//   BENCH_PREFIX_TOKENS=16000  BENCH_MAX_TOKENS=8 (tokens per sample after the point)
//   BENCH_INDEPENDENT=12       independent runs measured, 2 per hint (default; every one costs a
//                              full 16k prefill: the rest are extrapolated, and the output says so;
//                              48 measures all of them, ~4x longer)
//   BENCH_THREADS=1
//
// Method: the real sweep runner (lib/experiments/sweep-runner.ts) on a temp database. The sweep
// runs with the local path (one session `sweep:<id>`, one sample at a time, the prefix tokenized
// as its own piece); the independent runs are the same spec run as a remote-style sweep with
// concurrency 1, where every sample opens its own session. Grading is skipped (ungraded): this
// measures the model's work only. Target: the sweep evaluates ≈ prefix + Σ continuation
// (exit code 1 when it evaluates more than 1.1 × that).
//
// The work is in sweep-cost.ts (TypeScript, run through tsx with the react-server condition so
// the server-only modules load outside Next.js).
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const result = spawnSync(process.execPath, ["--conditions=react-server", "--import", "tsx", path.join(ROOT, "bench/sweep-cost.ts")], {
  stdio: "inherit",
  cwd: ROOT,
  env: { ...process.env, TSX_TSCONFIG_PATH: path.join(ROOT, "tsconfig.json") },
});
process.exit(result.status ?? 1);
