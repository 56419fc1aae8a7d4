#!/usr/bin/env node
// What the experiment page's results cost (issue 15 statistics): computeResults — pass@1 with its
// interval (Wilson, or a seeded bootstrap over problems), pass@k and the paired comparison of each
// policy with greedy — over synthetic items: problems × policies × samples.
//
//   node bench/experiment-results.mjs      BENCH_PROBLEMS=500,5000 BENCH_SAMPLES=1,4 BENCH_POLICIES=5
//
// The page polls once a second; lib/experiments/registry.ts recomputes at most every 10× this cost.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const result = spawnSync(process.execPath, ["--conditions=react-server", "--import", "tsx", path.join(ROOT, "bench/experiment-results.mts")], {
  stdio: "inherit",
  cwd: ROOT,
  env: { ...process.env, TSX_TSCONFIG_PATH: path.join(ROOT, "tsconfig.json") },
});
process.exit(result.status ?? 1);
