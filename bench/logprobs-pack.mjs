#!/usr/bin/env node
// Packed token probabilities: bytes per 1k tokens (top-5) and pack/unpack speed on real traces.
//
//   node bench/logprobs-pack.mjs
//
// The work is in logprobs-pack.mts (TypeScript through tsx).
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const result = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "bench/logprobs-pack.mts")], {
  stdio: "inherit",
  cwd: ROOT,
  env: { ...process.env, TSX_TSCONFIG_PATH: path.join(ROOT, "tsconfig.json") },
});
process.exit(result.status ?? 1);
