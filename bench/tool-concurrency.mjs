#!/usr/bin/env node
// Does Python limit a tool-using experiment? `greedy` against a tool-using policy (default
// `paper:rounds=1`) on the same problems, through runExperiment (what `hintlab run` calls),
// against a bench server (bench/lib/tool-server.mts) that streams at a fixed rate per stream
// and, like a real model, thinks BENCH_AFTER_TOOL more characters after each tool output.
// Prints, per concurrency: aggregate tokens/s of each policy, their ratio (target ≥ 0.9),
// wall time, CPU of the machine and of this process, and what the Python pool did.
//
//   node bench/tool-concurrency.mjs      BENCH_CONCURRENCY=16,64 BENCH_RATE=100 BENCH_THINK=4000
//                                        BENCH_AFTER_TOOL=6000 BENCH_PROGRAM=plain|sympy
//                                        BENCH_POLICY=paper:rounds=1 BENCH_ITEMS (default 2 × concurrency)
//
// The work is in tool-concurrency.mts (TypeScript through tsx with the react-server condition).
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const result = spawnSync(process.execPath, ["--conditions=react-server", "--import", "tsx", path.join(ROOT, "bench/tool-concurrency.mts")], {
  stdio: "inherit",
  cwd: ROOT,
  env: { ...process.env, TSX_TSCONFIG_PATH: path.join(ROOT, "tsconfig.json") },
});
process.exit(result.status ?? 1);
