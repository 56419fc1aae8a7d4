#!/usr/bin/env node
// Round-trip cost of the synchronous PostgreSQL bridge (lib/db/pg/bridge.ts): µs per simple
// SELECT and per INSERT through the worker thread, against better-sqlite3 on a file for scale.
// Starts a throwaway cluster (scripts/pg-test-server.mjs) unless HINTLAB_TEST_DATABASE_URL is set.
//
//   node bench/pg-bridge.mjs            BENCH_N=5000 statements per measurement
//
// The work is in pg-bridge.mts (TypeScript through tsx).
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
let server;
const env = { ...process.env };
if (!env.HINTLAB_TEST_DATABASE_URL) {
  const { startPgServer } = await import(path.join(ROOT, "scripts/pg-test-server.mjs"));
  server = await startPgServer();
  env.HINTLAB_TEST_DATABASE_URL = server.url;
}
try {
  const r = spawnSync(process.execPath, ["--conditions=react-server", "--import", "tsx", path.join(ROOT, "bench/pg-bridge.mts")], { stdio: "inherit", env, cwd: ROOT });
  process.exitCode = r.status ?? 1;
} finally {
  server?.stop();
}
