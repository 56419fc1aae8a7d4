#!/usr/bin/env node
// The engine's own cost per streamed chunk as a trace grows. It must stay flat: per-chunk work
// that touches the whole text (indexing a concatenated string makes V8 flatten it, a full copy)
// turns a long trace quadratic and stalls every session in the process.
//
//   node bench/engine-chunks.mjs
//
// The work is in engine-chunks.mts (TypeScript through tsx).
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const result = spawnSync(process.execPath, ["--conditions=react-server", "--import", "tsx", path.join(ROOT, "bench/engine-chunks.mts")], {
  stdio: "inherit",
  cwd: ROOT,
  env: { ...process.env, TSX_TSCONFIG_PATH: path.join(ROOT, "tsconfig.json") },
});
process.exit(result.status ?? 1);
