#!/usr/bin/env node
// Many live sessions in one process: `hintlab run --concurrency 512`'s work (runExperiment, the
// same call the CLI makes) against the scripted server in its own process, greedy policy, so the
// figures are the runner's and the store's own cost. Prints event-loop delay (p50/p99/max while
// sessions are live), memory per live session (heap + external + array buffers at the peak,
// minus the idle baseline, divided by live sessions), traces/s, MB/s written to the database,
// errors, and CPU use of this process.
//
//   node bench/sessions.mjs          BENCH_CONCURRENCY=512 BENCH_ITEMS=1024 BENCH_RATE=40 BENCH_MAX_TOKENS=1200
//
// BENCH_RATE is each stream's tokens per second (a real server at batch 512 gives ~20–60).
// The work is in sessions.mts (TypeScript through tsx with the react-server condition).
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const result = spawnSync(process.execPath, ["--expose-gc", "--conditions=react-server", "--import", "tsx", path.join(ROOT, "bench/sessions.mts")], {
  stdio: "inherit",
  cwd: ROOT,
  env: { ...process.env, TSX_TSCONFIG_PATH: path.join(ROOT, "tsconfig.json") },
});
process.exit(result.status ?? 1);
