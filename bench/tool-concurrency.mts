// See tool-concurrency.mjs for what this measures and how to run it.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { openDb, TraceStore } from "@/lib/db";
import { datasetFromTraceRecords, ExperimentStore, runExperiment, SandboxPool } from "@/lib/experiments";
import { startChildServer } from "./lib/child-server.mts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CONCURRENCIES = (process.env.BENCH_CONCURRENCY ?? "16,64").split(",").map(Number);
const RATE = Number(process.env.BENCH_RATE ?? 100);
const THINK = Number(process.env.BENCH_THINK ?? 4000);
const AFTER_TOOL = Number(process.env.BENCH_AFTER_TOOL ?? 6000);
const POLICY = process.env.BENCH_POLICY ?? "paper:rounds=1";
const PROGRAMS: Record<string, string> = {
  // What a model checks a number with: a loop, a comprehension, math.
  plain: "import math\ntotal = sum(math.comb(20, k) * (-1) ** k * k ** 3 for k in range(21))\nroots = [n for n in range(1, 2000) if n * n % 7 == 2]\nprint(total, len(roots), roots[:3])",
  // What START's models mostly write.
  sympy: "from sympy import symbols, solve, factor, Rational\nx = symbols('x')\nprint(solve(x**2 - 5*x + 6, x), factor(x**3 - 1), Rational(12, 7) * Rational(-29, 3))",
};
const PROGRAM = PROGRAMS[process.env.BENCH_PROGRAM ?? "plain"];
if (!PROGRAM) throw new Error(`BENCH_PROGRAM: one of ${Object.keys(PROGRAMS).join(", ")}`);

function startServer() {
  return startChildServer(import.meta.url);
}

/** Busy and total jiffies of the whole machine, from /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3]! + (f[4] ?? 0);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

async function runPolicy(policy: string, concurrency: number, baseUrl: string) {
  const dir = mkdtempSync(path.join(tmpdir(), "hintlab-bench-tools-"));
  const db = openDb(path.join(dir, "bench.db"));
  const store = new ExperimentStore(db);
  const traces = new TraceStore(db);
  const pool = new SandboxPool();
  try {
    const records = readFileSync(path.join(ROOT, "e2e/fixtures/data/r1-distill-math-40.jsonl"), "utf8");
    const datasetId = store.importDataset(datasetFromTraceRecords(records), "r1-math").dataset!.id;
    const problems = store.problemMap(datasetId).size;
    const items = Number(process.env.BENCH_ITEMS ?? concurrency * 2);
    const samples = Math.max(1, Math.round(items / problems));
    const perProblem = Math.min(problems, Math.ceil(items / samples));
    const sub = store.importDataset(datasetFromTraceRecords(records, perProblem), `r1-math-${perProblem}`).dataset!.id;
    const exp = store.createExperiment({
      datasetId: sub,
      policies: [policy],
      samples,
      concurrency,
      model: { baseUrl, model: "tool-bench", template: "deepseek-r1" },
      maxTokens: 32_000,
    });
    let tokens = 0;
    let toolCalls = 0;
    const m0 = machineTicks();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const final = await runExperiment({
      store,
      traces,
      experimentId: exp.id,
      sandboxes: pool,
      onItemFinished: (_k, o) => void (tokens += o.tokens),
    });
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    const m1 = machineTicks();
    for (const it of store.items(exp.id)) toolCalls += it.toolCalls ?? 0;
    return {
      policy,
      items: final.progress.total,
      failed: final.progress.failed,
      ms,
      tokensPerSecond: tokens / (ms / 1000),
      toolCalls,
      machineCpu: (m1.busy - m0.busy) / (m1.total - m0.total),
      ownCpu: (c.user + c.system) / 1000 / ms,
      // (stats() is absent from the pool before the replay design, when this bench measures the old one.)
      pool: (pool as { stats?: SandboxPool["stats"] }).stats?.call(pool),
    };
  } finally {
    await pool.dispose();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const server = await startServer();
  const cores = availableParallelism();
  console.log(
    `tool concurrency: ${cores} CPUs, ${RATE} tokens/s per stream, ${THINK} characters of thinking, ${AFTER_TOOL} after each tool output, ` +
      `program "${process.env.BENCH_PROGRAM ?? "plain"}", ${POLICY} against greedy`,
  );
  try {
    for (const concurrency of CONCURRENCIES) {
      const greedy = await runPolicy("greedy", concurrency, server.baseUrl);
      const tools = await runPolicy(POLICY, concurrency, server.baseUrl);
      const row = (r: Awaited<ReturnType<typeof runPolicy>>) =>
        `    ${r.policy.padEnd(16)} ${r.items} items (${r.failed} failed), ${r.toolCalls} tool calls, wall ${(r.ms / 1000).toFixed(1)} s, ` +
        `${r.tokensPerSecond.toFixed(0)} tokens/s; CPU: machine ${(r.machineCpu * 100).toFixed(0)}% of ${cores} cores, this process ${(r.ownCpu * 100).toFixed(0)}% of one`;
      console.log(`  concurrency ${concurrency}: ratio ${(tools.tokensPerSecond / greedy.tokensPerSecond).toFixed(2)} (${POLICY} tokens/s ÷ greedy tokens/s; target ≥ 0.9)`);
      console.log(row(greedy));
      console.log(row(tools));
      const p = tools.pool;
      if (p) console.log(
        `    Python: ${p.executions} executions, ${p.keptHits} in a kept interpreter, ${p.restores} restored by replay (${p.replayedBlocks} blocks, ${(p.replayMs / 1000).toFixed(1)} s), ` +
          `${p.booted} processes started, ${p.recycled ?? 0} recycled, at most ${p.peakRunning} running and ${p.peakSessions} traces with code live at once`,
      );
      if (greedy.failed || tools.failed) process.exitCode = 1;
    }
  } finally {
    server.stop();
  }
}

if (process.argv[2] === "--server") {
  const { startToolServer } = await import("./lib/tool-server.mts");
  const s = await startToolServer({ tokensPerSecond: RATE, thinkChars: THINK, afterToolChars: AFTER_TOOL, program: PROGRAM });
  process.stdout.write(`${s.baseUrl}\n`);
} else {
  await main();
}
