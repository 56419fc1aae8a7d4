// See sweep-cost.mjs for what this measures and how to run it.
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BUILTIN_HINTS } from "@/hints";
import { openDb, TraceStore } from "@/lib/db";
import { getTemplate, renderUserMessage } from "@/lib/engine";
import { buildSweepView, createSweep, runSweep, SandboxPool, SweepStore } from "@/lib/experiments";
import type { Problem, SweepSpecInput, TraceConfig } from "@/lib/protocol";
import { createLocalProvider } from "@/lib/providers/local/local-provider";
import { LocalRuntime } from "@/lib/providers/local/runtime";
import { writeTinyGguf } from "@/lib/providers/testing/tiny-gguf";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OUT = path.join(ROOT, "bench/out"); // gitignored
const PREFIX_TOKENS = Number(process.env.BENCH_PREFIX_TOKENS ?? 16_000);
const MAX_TOKENS = Number(process.env.BENCH_MAX_TOKENS ?? 8);
const INDEPENDENT = Math.min(48, Math.max(1, Number(process.env.BENCH_INDEPENDENT ?? 12)));
const THREADS = Number(process.env.BENCH_THREADS ?? 1);
const HINTS = BUILTIN_HINTS.filter((h) => h.kinds.includes("math")).slice(0, 6);
const SAMPLES = 8;

/** ASCII reasoning text from the fixture traces (byte-level vocabulary: ~1 token per character). */
function corpus(chars: number): string {
  const lines = readFileSync(path.join(ROOT, "e2e/fixtures/data/r1-distill-math-40.jsonl"), "utf8").split("\n").filter((l) => l.trim());
  const text = lines.map((l) => (JSON.parse(l) as { completion: string }).completion.replace(/[^\x09\x0a\x20-\x7e]/g, "").replace(/<\/?think>/g, "")).join("\n\n");
  return text.repeat(Math.ceil(chars / text.length)).slice(0, chars);
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  const modelPath = path.join(OUT, "sweep-tiny.gguf");
  writeTinyGguf(modelPath, { ctx: PREFIX_TOKENS + 4096, seed: 1 });
  const runtime = new LocalRuntime({ threads: THREADS, gpu: false, contextSize: PREFIX_TOKENS + 2048, maxContexts: 2, idleMs: 0 });
  const db = openDb(path.join(mkdtempSync(path.join(tmpdir(), "hintlab-bench-sweep-")), "b.db"));
  const traces = new TraceStore(db);
  const store = new SweepStore(db);
  const pool = new SandboxPool(1);

  const problem: Problem = { id: "bench", kind: "math", statement: "Find the sum. Put the final answer in \\boxed{}.", gold: "4" };
  const config: TraceConfig = {
    provider: "local",
    model: "tiny",
    template: "qwen3",
    sampling: { maxTokens: PREFIX_TOKENS * 2 },
    triggers: ["Wait"],
    policy: { type: "greedy" },
    maxToolCalls: 2,
    toolTimeoutMs: 5000,
    maxOutputChars: 1000,
    hintLibraryVersion: "bench",
    policySeed: 0,
  };
  const prompt = getTemplate("qwen3").render(renderUserMessage(problem, "qwen3"));
  const source = traces.create({
    problem,
    config,
    segments: [
      { id: "seg-1", kind: "prompt", text: prompt },
      { id: "seg-2", kind: "model", text: corpus(PREFIX_TOKENS - prompt.length) },
    ],
    events: [{ type: "run-started", at: 0 }],
    status: "stopped",
  });
  const spec: SweepSpecInput = {
    type: "hints",
    traceId: source.id,
    at: { segment: 1, offset: source.segments[1]!.text.length },
    arms: HINTS.map((h) => ({ kind: "hint" as const, hintId: h.id })),
    samples: SAMPLES,
    temperature: 0.8,
    seed: 0,
  };
  const run = async (label: string, local: boolean, samples: number) => {
    const id = createSweep(store, (t) => traces.get(t), { spec: { ...spec, samples }, model: { connection: "local" }, maxTokens: MAX_TOKENS, concurrency: 1 });
    const provider = createLocalProvider({ runtime, modelPath, template: "qwen3" });
    const t0 = performance.now();
    await runSweep({ store, traces, sweepId: id, provider, local, sandboxes: pool, grade: () => ({ verdict: "ungraded" }) });
    const ms = performance.now() - t0;
    const view = buildSweepView(store, id);
    if (view.progress.done !== view.progress.total) throw new Error(`${label}: ${view.progress.failed} samples failed: ${view.items.find((i) => i.error)?.error}`);
    // Let the last sampled token's evaluation finish so the meter is complete.
    await new Promise((r) => setTimeout(r, 200));
    return { label, samples: view.progress.total, ms, evaluated: provider.tokensEvaluated!(), cost: view.cost, items: store.items(id) };
  };

  process.stdout.write(`sweep-cost: ${HINTS.length} hints × ${SAMPLES} samples, prefix ≈ ${PREFIX_TOKENS} tokens, ${MAX_TOKENS} tokens per sample, tiny 2L/64 GGUF, ${THREADS} thread(s)\n`);
  const sweep = await run("sweep (one session, shared prefix)", true, SAMPLES);
  const perArm = Math.ceil(INDEPENDENT / HINTS.length);
  const independent = await run("independent runs (a session each)", false, perArm);
  const scale = (HINTS.length * SAMPLES) / independent.samples;
  // Prefix + Σ continuation: each sample's first prompt is prefix + its hint's tokens; the prefix
  // is what is left after taking the hint's own tokens off (median over samples).
  const loaded = (await runtime.loaded(modelPath))!;
  const hintTokens = new Map(HINTS.map((h) => [`hint:${h.id}`, loaded.model.tokenize(h.text, true).length]));
  const firsts = sweep.items.map((i) => ({ first: i.cost.prefixTokens ?? 0, hint: hintTokens.get(i.arm) ?? 0 }));
  const prefixes = firsts.map((f) => f.first - f.hint).sort((a, b) => a - b);
  const prefix = prefixes[Math.floor(prefixes.length / 2)]!;
  const continuation = firsts.reduce((n, f) => n + (f.first - prefix), 0) + sweep.cost.completionTokens;
  const ideal = prefix + continuation;
  const rows = [
    { what: sweep.label, samples: sweep.samples, evaluated: sweep.evaluated, seconds: sweep.ms / 1000, note: "" },
    {
      what: independent.label,
      samples: HINTS.length * SAMPLES,
      evaluated: Math.round(independent.evaluated * scale),
      seconds: (independent.ms / 1000) * scale,
      note: scale === 1 ? "" : `(measured ${independent.samples}, ×${scale.toFixed(1)})`,
    },
  ];
  for (const r of rows) process.stdout.write(`  ${r.what.padEnd(36)} ${String(r.samples).padStart(3)} samples  ${String(r.evaluated).padStart(8)} tokens evaluated  ${r.seconds.toFixed(1).padStart(7)} s ${r.note}\n`);
  process.stdout.write(`  prefix ${prefix} tokens; Σ continuation (hint + generated) ${continuation}; prefix + Σ continuation = ${ideal}; 48 × prefix = ${48 * prefix}\n`);
  process.stdout.write(`  sweep / independent: ${(rows[0]!.evaluated / rows[1]!.evaluated).toFixed(3)} of the tokens, ${(rows[0]!.seconds / rows[1]!.seconds).toFixed(3)} of the time\n`);
  await pool.dispose();
  await runtime.close();
  db.close();
  const ok = sweep.evaluated <= 1.1 * ideal;
  if (!ok) process.stdout.write(`  FAIL: the sweep evaluated ${sweep.evaluated} tokens, more than 1.1 × (prefix + Σ continuation)\n`);
  process.exit(ok ? 0 : 1);
}

void main();
