#!/usr/bin/env node
// Local-model injection benchmark: what a hint costs when the trace's KV cache is reused
// (only the hint's tokens are evaluated) vs. a full re-prefill of the same text, at prefixes of
// 1k/8k/32k tokens, on tiny random-weight GGUF models (no download, no app, no model server).
//
//   node bench/local-injection.mjs [appURL]   appURL is accepted (scripts/bench-all.mjs passes
//                                             one) and ignored: the model runs in this process
//   BENCH_THREADS=1 CPU threads; BENCH_RUNS=3 runs per prefix (median reported), BENCH_RUNS_32K=1
//   at 32k; BENCH_PREFIXES=1024,8192,32768; BENCH_BIG_LAYERS=4 BENCH_BIG_EMBD=256 BENCH_BIG_FF=768
//   size of the bigger model, BENCH_BIG_32K=1 runs it at 32k too (minutes); BENCH_MEMORY=0 skips
//   the memory part, BENCH_MEMORY_PREFIX=1024 its prompt length
//   Default run: ~2.5 min on one thread.
//
// Two models are written to bench/out (gitignored) with lib/providers/testing/tiny-gguf.ts: the
// default 2-layer/64-wide one (fast) and a 4-layer/256-wide one, so the milliseconds mean
// something; the bigger one skips 32k by default (its attention over a 32k prefix costs 8x the
// small one's, minutes per prefill on one thread). Both have a byte-level vocabulary (one token per ASCII character) and a ChatML
// template; the prompt is ASCII reasoning text from the fixture traces (e2e/fixtures/data).
//
// Method: the real local provider (lib/providers/local) on a LocalRuntime with contextSize
// 40,960, maxContexts 2, temperature 0. For each prefix length, in a new session: prefill the
// prefix and generate 8 tokens (a trace before a pause); then send everything so far plus a
// ~50-token hint in the same session (KV reuse), and the same full text in a fresh session
// (re-prefill). Measured: prompt tokens evaluated (usage promptTokens - cachedTokens, checked
// against llama.cpp's token meter once the session settles) and milliseconds from calling
// generate to the first yielded chunk (the fresh session's context is created before the clock
// starts, so both figures are evaluation). Each run uses new session keys and drops them after.
// Memory: 6 traces through 2 contexts on the bigger model (a context's KV cache is allocated
// whole, 160 MB there, whatever the prompt length); RSS and live contexts after each.
// Target: the reuse evaluates exactly the hint's tokens (exit code 1 otherwise); RSS stays flat
// once both contexts exist (LRU release).
//
// The work is in local-injection.ts (TypeScript, run through tsx with the react-server
// condition so the server-only modules load outside Next.js).
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const result = spawnSync(process.execPath, ["--conditions=react-server", "--import", "tsx", path.join(ROOT, "bench/local-injection.ts")], {
  stdio: "inherit",
  cwd: ROOT,
  env: { ...process.env, TSX_TSCONFIG_PATH: path.join(ROOT, "tsconfig.json") },
});
process.exit(result.status ?? 1);
