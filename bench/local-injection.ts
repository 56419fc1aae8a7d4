// See local-injection.mjs for what this measures and how to run it.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { GenerateRequest, GenerateResult } from "@/lib/protocol";
import { createLocalProvider } from "@/lib/providers/local/local-provider";
import { LocalRuntime, type LoadedModel } from "@/lib/providers/local/runtime";
import { writeTinyGguf, type TinyGgufOptions } from "@/lib/providers/testing/tiny-gguf";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OUT = path.join(ROOT, "bench/out"); // gitignored
const THREADS = Number(process.env.BENCH_THREADS ?? 1);
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const CONTEXT = 40_960;
const PREFIXES = (process.env.BENCH_PREFIXES ?? "1024,8192,32768").split(",").map(Number);
const HINT = "\n\nWait, maybe using python here is a good idea.\n";
const GENERATE = 8;
const MEMORY_SESSIONS = 6;
// A context's KV cache is allocated (and cleared) whole at creation, so RSS per context does not
// depend on the prompt length; a short prompt keeps this part fast.
const MEMORY_PREFIX = Number(process.env.BENCH_MEMORY_PREFIX ?? 1024);
// One 32k run costs two 32k prefills (~30 s each for the small model on one thread): once by default.
const RUNS_32K = Math.max(1, Number(process.env.BENCH_RUNS_32K ?? 1));
const BIG_32K = process.env.BENCH_BIG_32K === "1";

interface ModelSpec {
  name: string;
  options: TinyGgufOptions;
  /** Prefix lengths this model skips, with the reason (printed). */
  skip?: { prefixes: number[]; why: string };
}
const MODELS: ModelSpec[] = [
  { name: "tiny 2L/64", options: { layers: 2, embd: 64, heads: 4, ff: 128, ctx: CONTEXT, seed: 1 } },
  {
    name: process.env.BENCH_BIG_NAME ?? "tiny 4L/256",
    options: {
      layers: Number(process.env.BENCH_BIG_LAYERS ?? 4),
      embd: Number(process.env.BENCH_BIG_EMBD ?? 256),
      heads: 4,
      ff: Number(process.env.BENCH_BIG_FF ?? 768),
      ctx: CONTEXT,
      seed: 1,
    },
    // Attention cost grows with layers x width x prefix^2: its 32k prefill takes minutes on one thread.
    ...(BIG_32K ? {} : { skip: { prefixes: [32_768], why: "a 32k prefill takes minutes on one thread; BENCH_BIG_32K=1 runs it" } }),
  },
];

/** ASCII reasoning text from the fixture traces (byte-level vocabulary: ~1 token per character). */
function corpus(): string {
  const lines = readFileSync(path.join(ROOT, "e2e/fixtures/data/r1-distill-math-40.jsonl"), "utf8").split("\n").filter((l) => l.trim());
  const text = lines.map((l) => (JSON.parse(l) as { completion: string }).completion.replace(/[^\x09\x0a\x20-\x7e]/g, "")).join("\n\n");
  return text.repeat(Math.ceil(80_000 / text.length));
}

function request(prefill: string, session: string): GenerateRequest {
  const userMessage = "Solve the problem. Put the final answer in \\boxed{}.";
  return {
    prompt: `<|im_start|>user\n${userMessage}<|im_end|>\n<|im_start|>assistant\n${prefill}`,
    userMessage,
    assistantPrefill: prefill,
    stop: [],
    maxTokens: GENERATE,
    temperature: 0,
    session,
  };
}

/** An assistant prefill whose rendered prompt is `tokens` tokens long. */
function prefillOf(loaded: LoadedModel, text: string, tokens: number): string {
  let chars = tokens;
  for (let i = 0; i < 5; i++) {
    const prefill = "<think>\n" + text.slice(0, chars);
    const n = loaded.model.tokenize(loaded.renderer.render(request(prefill, "x"), "qwen3"), true).length;
    if (n === tokens) return prefill;
    chars += tokens - n;
  }
  return "<think>\n" + text.slice(0, chars);
}

interface Measured {
  text: string;
  result: GenerateResult;
  firstChunkMs: number;
  totalMs: number;
  /** Tokens llama.cpp evaluated for this request (meter delta), minus the generated ones. */
  promptEvaluated: number;
}

async function settled(loaded: LoadedModel, key: string) {
  const session = loaded.sessions.get(key)!;
  for (let i = 0; session.busy && i < 10_000; i++) await new Promise((r) => setTimeout(r, 2));
  if (session.busy) throw new Error(`session ${key} still busy`);
  const { usedInputTokens, usedOutputTokens } = session.slot.sequence.tokenMeter.getState();
  return usedInputTokens + usedOutputTokens;
}

async function measure(provider: ReturnType<typeof createLocalProvider>, loaded: LoadedModel, req: GenerateRequest): Promise<Measured> {
  const key = req.session!;
  const before = loaded.sessions.get(key) ? await settled(loaded, key) : 0;
  const t0 = performance.now();
  const gen = provider.generate(req, new AbortController().signal);
  let firstChunkMs = NaN;
  const chunks: string[] = [];
  let result: GenerateResult;
  for (;;) {
    const next = await gen.next();
    if (next.done) {
      result = next.value;
      break;
    }
    if (chunks.length === 0) firstChunkMs = performance.now() - t0;
    chunks.push(next.value);
  }
  const totalMs = performance.now() - t0;
  // Every generated token is evaluated too (the last one after the stream ends): subtract them.
  const after = await settled(loaded, key);
  return { text: chunks.join(""), result, firstChunkMs, totalMs, promptEvaluated: after - before - (result.usage?.completionTokens ?? 0) };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const rssMb = () => Math.round(process.memoryUsage().rss / 1024 / 1024);

interface Row {
  model: string;
  prefixTokens: number;
  hintTokens: number;
  runs: number;
  prefillMs: number;
  /** Creating a fresh context (not in the re-prefill's milliseconds). */
  contextMs: number;
  reuse: { evaluatedUsage: number; evaluatedMeter: number; firstTokenMs: number };
  reprefill: { promptTokens: number; evaluatedUsage: number; evaluatedMeter: number; firstTokenMs: number };
  speedup: number;
  ok: boolean;
}

async function benchModel(runtime: LocalRuntime, spec: ModelSpec, text: string, rows: Row[], skipped: string[]) {
  const file = path.join(OUT, `local-injection-${spec.name.replace(/\W+/g, "-")}.gguf`);
  const bytes = writeTinyGguf(file, spec.options);
  const provider = createLocalProvider({ runtime, modelPath: file, template: "qwen3" });
  const loaded = await runtime.load(file);
  const hintTokens = loaded.model.tokenize(HINT, true).length;
  console.log(`\n${spec.name}: ${JSON.stringify(spec.options)}, ${(bytes / 1024).toFixed(0)} KB, ${THREADS} thread(s)`);
  let id = 0;
  for (const prefix of PREFIXES) {
    if (spec.skip?.prefixes.includes(prefix)) {
      skipped.push(`${spec.name} at ${prefix}: ${spec.skip.why}`);
      continue;
    }
    const runs = prefix >= 32_768 ? RUNS_32K : RUNS;
    const prefill = prefillOf(loaded, text, prefix);
    const samples: { prefillMs: number; contextMs: number; reuse: Measured; fresh: Measured }[] = [];
    for (let r = 0; r < runs; r++) {
      const reuseKey = `reuse-${prefix}-${++id}`;
      const freshKey = `fresh-${prefix}-${id}`;
      // The trace so far: prefill the prefix and generate a few tokens (as before a pause).
      const first = await measure(provider, loaded, request(prefill, reuseKey));
      // The injection: everything so far plus the hint, in the same session (KV reuse)…
      const injected = request(prefill + first.text + HINT, reuseKey);
      const reuse = await measure(provider, loaded, injected);
      await loaded.sessions.drop(reuseKey);
      // …and the same text in a fresh session (a full re-prefill). Its context is created first, so
      // both timings are evaluation only (creating a 40k-token context is timed apart).
      const c0 = performance.now();
      loaded.sessions.release(await loaded.sessions.acquire(freshKey, ""));
      const contextMs = performance.now() - c0;
      const fresh = await measure(provider, loaded, { ...injected, session: freshKey });
      await loaded.sessions.drop(freshKey);
      samples.push({ prefillMs: first.firstChunkMs, contextMs, reuse, fresh });
      const u = reuse.result.usage!;
      console.log(
        `  ${prefix} run ${r + 1}: prefill ${first.firstChunkMs.toFixed(0)} ms; reuse ${u.promptTokens! - u.cachedTokens!} tok ` +
          `${reuse.firstChunkMs.toFixed(1)} ms; re-prefill ${fresh.result.usage!.promptTokens} tok ${fresh.firstChunkMs.toFixed(0)} ms ` +
          `(+ ${contextMs.toFixed(0)} ms creating its context); rss ${rssMb()} MB`,
      );
    }
    const evalUsage = (m: Measured) => m.result.usage!.promptTokens! - m.result.usage!.cachedTokens!;
    const reuseEval = median(samples.map((s) => evalUsage(s.reuse)));
    const reuseMeter = median(samples.map((s) => s.reuse.promptEvaluated));
    const reuseMs = median(samples.map((s) => s.reuse.firstChunkMs));
    const freshMs = median(samples.map((s) => s.fresh.firstChunkMs));
    rows.push({
      model: spec.name,
      prefixTokens: prefix,
      hintTokens,
      runs,
      prefillMs: median(samples.map((s) => s.prefillMs)),
      contextMs: median(samples.map((s) => s.contextMs)),
      reuse: { evaluatedUsage: reuseEval, evaluatedMeter: reuseMeter, firstTokenMs: reuseMs },
      reprefill: {
        promptTokens: median(samples.map((s) => s.fresh.result.usage!.promptTokens!)),
        evaluatedUsage: median(samples.map((s) => evalUsage(s.fresh))),
        evaluatedMeter: median(samples.map((s) => s.fresh.promptEvaluated)),
        firstTokenMs: freshMs,
      },
      speedup: freshMs / reuseMs,
      ok: samples.every((s) => evalUsage(s.reuse) === hintTokens && s.reuse.promptEvaluated === hintTokens),
    });
  }
  return { file, provider, loaded };
}

/** More traces than contexts: the least recently used idle context is released, so RSS stays bounded. */
async function memory(provider: ReturnType<typeof createLocalProvider>, loaded: LoadedModel, text: string, maxContexts: number) {
  const prefill = prefillOf(loaded, text, MEMORY_PREFIX);
  const points: { session: number; rssMb: number; sessions: number }[] = [{ session: 0, rssMb: rssMb(), sessions: loaded.sessions.size }];
  for (let i = 1; i <= MEMORY_SESSIONS; i++) {
    const key = `memory-${i}`;
    await measure(provider, loaded, request(prefill, key));
    points.push({ session: i, rssMb: rssMb(), sessions: loaded.sessions.size });
  }
  const grew = points.slice(maxContexts + 1).map((p) => p.rssMb);
  const bounded = grew.length === 0 || Math.max(...grew) - Math.min(...grew) < 64;
  return { prefixTokens: MEMORY_PREFIX, maxContexts, points, bounded };
}

function table(rows: Row[]): string {
  const head = ["model", "prefix tok", "hint tok", "eval reuse", "eval re-prefill", "ms 1st tok reuse", "ms 1st tok re-prefill", "speed-up", "runs"];
  const body = rows.map((r) => [
    r.model,
    String(r.prefixTokens),
    String(r.hintTokens),
    r.reuse.evaluatedUsage === r.reuse.evaluatedMeter ? String(r.reuse.evaluatedUsage) : `${r.reuse.evaluatedUsage} (meter ${r.reuse.evaluatedMeter})`,
    r.reprefill.evaluatedUsage === r.reprefill.evaluatedMeter ? String(r.reprefill.evaluatedUsage) : `${r.reprefill.evaluatedUsage} (meter ${r.reprefill.evaluatedMeter})`,
    r.reuse.firstTokenMs.toFixed(1),
    r.reprefill.firstTokenMs.toFixed(0),
    `${r.speedup.toFixed(0)}x`,
    String(r.runs),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

async function main() {
  const t0 = performance.now();
  const text = corpus();
  const maxContexts = 2;
  const runtime = new LocalRuntime({ threads: THREADS, gpu: false, contextSize: CONTEXT, maxContexts, idleMs: 0 });
  const rows: Row[] = [];
  const skipped: string[] = [];
  let mem: ({ model: string } & Awaited<ReturnType<typeof memory>>) | undefined;
  try {
    for (const [i, spec] of MODELS.entries()) {
      const { provider, loaded } = await benchModel(runtime, spec, text, rows, skipped);
      // Memory on the last (biggest) model, whose KV caches are big enough to see.
      if (i === MODELS.length - 1 && process.env.BENCH_MEMORY !== "0") {
        mem = { model: spec.name, ...(await memory(provider, loaded, text, maxContexts)) };
      }
    }
  } finally {
    await runtime.close();
  }
  console.log(`\nInjection of a ${rows[0]?.hintTokens}-token hint after a prefix + ${GENERATE} generated tokens; median of runs; temperature 0; context ${CONTEXT}.`);
  console.log("eval = prompt tokens evaluated (usage promptTokens - cachedTokens; llama.cpp's token meter agrees unless shown)");
  console.log("ms 1st tok = from calling generate to the first yielded chunk (re-prefill: its fresh context already created)\n");
  console.log(table(rows));
  for (const line of skipped) console.log(`skipped: ${line}`);
  if (mem) {
    console.log(`\nMemory: ${MEMORY_SESSIONS} traces at ${mem.prefixTokens} tokens, maxContexts ${mem.maxContexts} (${mem.model})`);
    for (const p of mem.points) console.log(`  after ${p.session} session(s): rss ${p.rssMb} MB, live contexts ${p.sessions}`);
    console.log(`  bounded after the first ${mem.maxContexts}: ${mem.bounded ? "yes" : "NO"}`);
  }
  const ok = rows.every((r) => r.ok);
  const wallS = (performance.now() - t0) / 1000;
  console.log(`\nTarget: evaluated by reuse == hint tokens: ${rows.every((r) => r.ok) ? "met" : "NOT MET"}. Wall time ${wallS.toFixed(0)} s.`);
  console.log(JSON.stringify({ bench: "local-injection", threads: THREADS, contextSize: CONTEXT, generate: GENERATE, hint: HINT, rows, skipped, memory: mem, ok, wallS: Math.round(wallS) }));
  process.exit(ok ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
