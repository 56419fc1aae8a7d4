// See experiments.mjs for what this measures and how to run it.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { openDb, TraceStore } from "@/lib/db";
import { datasetFromTraceRecords, ExperimentStore, runExperiment, SandboxPool } from "@/lib/experiments";
import { startChildServer } from "./lib/child-server.mts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 2);

if (process.argv[2] === "--server") {
  const { startScriptedServer } = await import("@/e2e/fixtures/scripted-server");
  const s = await startScriptedServer({ chunksPerSecond: 0 });
  process.stdout.write(`${s.baseUrl}\n`);
} else {
  await main();
}

function startServer() {
  return startChildServer(import.meta.url);
}

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), "hintlab-bench-exp-"));
  const server = await startServer();
  const db = openDb(path.join(dir, "bench.db"));
  const store = new ExperimentStore(db);
  const traces = new TraceStore(db);
  const pool = new SandboxPool();
  const datasetId = store.importDataset(datasetFromTraceRecords(readFileSync(path.join(ROOT, "e2e/fixtures/data/r1-distill-math-40.jsonl"), "utf8")), "r1-math").dataset!.id;
  const model = { baseUrl: server.baseUrl, model: "scripted-r1", template: "deepseek-r1" as const };
  const run = async (policy: string, concurrency: number, samples = SAMPLES) => {
    const exp = store.createExperiment({ datasetId, policies: [policy], samples, concurrency, model, maxTokens: 32_000 });
    const t0 = performance.now();
    const final = await runExperiment({ store, traces, experimentId: exp.id, sandboxes: pool });
    const ms = performance.now() - t0;
    if (final.progress.done !== final.progress.total) throw new Error(`${policy}: ${final.progress.failed} items failed`);
    return { items: final.progress.total, ms };
  };
  try {
    // Warm-up: starts the pooled Python processes and JIT-warms the engine.
    await run("paper:rounds=1", pool.size, 1);
    const rows: string[][] = [];
    for (const policy of ["greedy", "paper:rounds=1"]) {
      for (const c of [2, 4]) {
        const { items, ms } = await run(policy, c);
        rows.push([policy, String(c), String(items), (ms / 1000).toFixed(2), ((items / ms) * 60_000).toFixed(0), (ms / items).toFixed(0), ((ms * c) / items).toFixed(0)]);
      }
    }
    const head = ["policy", "concurrency", "items", "wall s", "problems/min", "wall ms/item", "ms/item/session"];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (r: string[]) => r.map((c, i) => c.padStart(widths[i]!)).join("  ");
    console.log(`experiment runner, zero-latency model server, ${availableParallelism()} CPUs, sandbox pool ${pool.size}, 10 problems × ${SAMPLES} samples`);
    console.log(line(head));
    for (const r of rows) console.log(line(r));
  } finally {
    await pool.dispose();
    db.close();
    server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
