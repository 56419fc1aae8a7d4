#!/usr/bin/env node
// Experiment runner overhead: engine + sandbox + storage per problem, with a zero-latency model
// server (the scripted server at chunksPerSecond 0, in its own process, so the figures are the
// runner's own cost). Prints problems (items) per minute at concurrency 2 and 4, for greedy
// (no Python) and paper:rounds=1 (one hint, one program run in the NodeSandbox pool, sized to
// the CPU count), after a warm-up run that starts the sandboxes.
//
//   node bench/experiments.mjs            BENCH_SAMPLES=2 samples of the 10 fixture problems per policy
//
// The work is in experiments.mts (TypeScript through tsx with the react-server condition).
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const result = spawnSync(process.execPath, ["--conditions=react-server", "--import", "tsx", path.join(ROOT, "bench/experiments.mts")], {
  stdio: "inherit",
  cwd: ROOT,
  env: { ...process.env, TSX_TSCONFIG_PATH: path.join(ROOT, "tsconfig.json") },
});
process.exit(result.status ?? 1);
