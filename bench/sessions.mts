// See sessions.mjs for what this measures and how to run it.
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { openDb, TraceStore } from "@/lib/db";
import { datasetFromTraceRecords, ExperimentStore, runExperiment, SandboxPool } from "@/lib/experiments";
import { startChildServer } from "./lib/child-server.mts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 512);
const ITEMS = Number(process.env.BENCH_ITEMS ?? CONCURRENCY * 2);
const RATE = Number(process.env.BENCH_RATE ?? 40);
const MAX_TOKENS = Number(process.env.BENCH_MAX_TOKENS ?? 1200);


function startServer() {
  return startChildServer(import.meta.url, String(RATE));
}

const memNow = () => {
  const m = process.memoryUsage();
  return { rss: m.rss, js: m.heapUsed + m.external + m.arrayBuffers };
};
const mb = (b: number) => (b / 1024 / 1024).toFixed(1);

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), "hintlab-bench-sessions-"));
  const server = await startServer();
  const file = path.join(dir, "bench.db");
  const db = openDb(file);
  const store = new ExperimentStore(db);
  const traces = new TraceStore(db);
  const pool = new SandboxPool(); // greedy never takes a sandbox; the pool stays empty
  const records = readFileSync(path.join(ROOT, "e2e/fixtures/data/r1-distill-math-40.jsonl"), "utf8");
  const datasetId = store.importDataset(datasetFromTraceRecords(records), "r1-math").dataset!.id;
  const problems = store.problemMap(datasetId).size;
  const samples = Math.ceil(ITEMS / problems);
  const model = { baseUrl: server.baseUrl, model: "scripted-r1", template: "deepseek-r1" as const };
  try {
    (globalThis as { gc?: () => void }).gc?.();
    const base = memNow();
    const sizeBefore = dbBytes(file);
    const exp = store.createExperiment({ datasetId, policies: ["greedy"], samples, concurrency: CONCURRENCY, model, maxTokens: MAX_TOKENS });
    let live = 0;
    let peakLive = 0;
    let peak = base;
    let retained: { live: number; perSession: number; js: number } | undefined;
    const h = monitorEventLoopDelay({ resolution: 1 });
    const t0 = performance.now();
    const sampler = setInterval(() => {
      const s = store.getExperiment(exp.id);
      live = s.progress.running;
      const m = memNow();
      if (live > peakLive) peakLive = live;
      if (live >= CONCURRENCY * 0.9 && m.js > peak.js) peak = m;
      // Once, mid-run with every session live: what they really retain (after a full GC).
      if (!retained && live >= CONCURRENCY * 0.9 && performance.now() - t0 > 8000) {
        (globalThis as { gc?: () => void }).gc?.();
        const after = memNow();
        retained = { live, perSession: (after.js - base.js) / live, js: after.js };
      }
    }, 250);
    // Stalls over 100 ms with when they happened, to find what holds the loop.
    const stalls: string[] = [];
    let last = performance.now();
    const lag = setInterval(() => {
      const t = performance.now();
      if (t - last > 110) stalls.push(`${((t - t0) / 1000).toFixed(1)} s: ${(t - last - 10).toFixed(0)} ms (live ${live})`);
      last = t;
    }, 10);
    const cpu0 = process.cpuUsage();
    h.enable();
    let tokens = 0;
    const final = await runExperiment({ store, traces, experimentId: exp.id, sandboxes: pool, onItemFinished: (_k, o) => void (tokens += o.tokens) });
    h.disable();
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    clearInterval(sampler);
    clearInterval(lag);
    const written = dbBytes(file) - sizeBefore;
    const p = final.progress;
    console.log(`live sessions in one process: ${availableParallelism()} CPUs, concurrency ${CONCURRENCY}, ${p.total} greedy items, ${RATE} tokens/s per stream, max ${MAX_TOKENS} tokens`);
    console.log(`  items done ${p.done}, failed ${p.failed}; peak live sessions ${peakLive}`);
    console.log(`  wall ${(ms / 1000).toFixed(1)} s, ${(p.done / (ms / 1000)).toFixed(1)} traces/s, ${(tokens / (ms / 1000)).toFixed(0)} tokens/s`);
    console.log(`  event-loop delay: p50 ${(h.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms, max ${(h.max / 1e6).toFixed(1)} ms`);
    console.log(`  memory: idle ${mb(base.js)} MB JS (rss ${mb(base.rss)}), highest ${mb(peak.js)} MB (rss ${mb(peak.rss)})`);
    if (retained) console.log(`  retained after a full GC with ${retained.live} live sessions: ${mb(retained.js)} MB, ${(retained.perSession / 1024).toFixed(0)} KB per live session`);
    console.log(`  database: ${mb(written)} MB written, ${(written / 1024 / 1024 / (ms / 1000)).toFixed(2)} MB/s`);
    console.log(`  CPU (this process): ${((cpu.user + cpu.system) / 1000 / ms * 100).toFixed(0)}% of one core`);
    if (stalls.length) console.log(`  stalls over 100 ms: ${stalls.length}${process.env.BENCH_VERBOSE ? `\n    ${stalls.join("\n    ")}` : ""}`);
    if (p.failed > 0) process.exitCode = 1;
  } finally {
    await pool.dispose();
    db.close();
    server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function dbBytes(file: string): number {
  let n = 0;
  for (const f of [file, `${file}-wal`]) {
    try {
      n += statSync(f).size;
    } catch {
      // no WAL yet
    }
  }
  return n;
}

if (process.argv[2] === "--server") {
  const { startScriptedServer } = await import("@/e2e/fixtures/scripted-server");
  const s = await startScriptedServer({ chunksPerSecond: Number(process.argv[3]) });
  process.stdout.write(`${s.baseUrl}\n`);
} else {
  await main();
}
