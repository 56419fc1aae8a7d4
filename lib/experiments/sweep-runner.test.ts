import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILTIN_HINTS } from "@/hints";
import { openDb, TraceStore, type Db } from "@/lib/db";
import { forkPrefix, selectTraceText } from "@/lib/engine";
import { SweepViewSchema, TraceListQuerySchema, type SweepOutcome, type SweepSpecInput, type Trace } from "@/lib/protocol";
import { createOpenAICompletionsProvider, ModelError, type Provider } from "@/lib/providers";
import { runHeadless } from "@/lib/runner/headless";
import { summarizeSweep } from "@/lib/sweeps";
import { loadTraces } from "@/e2e/fixtures/scripted-model";
import { startScriptedServer, type RecordedRequest, type ScriptedServer } from "@/e2e/fixtures/scripted-server";
import { SandboxPool } from "./sandbox-pool";
import { createSweep } from "./sweep-setup";
import { continuationStats, runSweep } from "./sweep-runner";
import { SweepStore } from "./sweep-store";
import { buildSweepView } from "./sweep-view";
import { backends, testDbLocation, type Backend } from "@/lib/db/test-backends";

// Sweeps against the scripted server, whose seeded sampling gives different seeds different
// continuations of a real trace (some call Python, some answer wrong).
const record = loadTraces().find((t) => t.id === "deepseek-r1-distill-llama-8b/problem_6998/correct")!;
const HINT_ID = "math-complex-calculations";
const HINT_TEXT = BUILTIN_HINTS.find((h) => h.id === HINT_ID)!.text;
const TEXT_ARM = "Let me slow down and check each step once more.";

let server: ScriptedServer;
let pool: SandboxPool;
let db: Db;
let store: SweepStore;
let traces: TraceStore;
let source: Trace;

const model = () => ({ baseUrl: server.baseUrl, model: "scripted-r1", template: "deepseek-r1" as const });
const provider = (baseUrl = server.baseUrl) => createOpenAICompletionsProvider({ provider: "openai-completions", baseUrl, model: "scripted-r1", template: "deepseek-r1", timeoutMs: 30_000 });
const completions = (from: number) => server.requests.slice(from).filter((r) => r.endpoint === "completions");

let replay: Trace;

beforeAll(async () => {
  server = await startScriptedServer({ chunksPerSecond: 0 });
  pool = new SandboxPool(2);
  // The source: the recorded trace replayed, pausing (and going on) at every trigger, so it has paused events.
  replay = await runHeadless({
    traceId: "source-1",
    problem: { id: "problem_6998", kind: "math", statement: record.problem, gold: record.gold_answer },
    config: {
      provider: "openai-completions",
      baseUrl: server.baseUrl,
      model: "scripted-r1",
      template: "deepseek-r1",
      sampling: { maxTokens: 32_000 },
      triggers: ["Wait"],
      policy: { type: "manual", pauseAtTriggers: true, pauseAtEndOfThinking: false },
      maxToolCalls: 6,
      toolTimeoutMs: 10_000,
      maxOutputChars: 4000,
      hintLibraryVersion: "test",
      policySeed: 0,
    },
    policyHints: [],
    provider: provider(),
    sandbox: pool.session(),
  });
  expect(replay.verdict).toBe("correct");
  expect(replay.events.filter((e) => e.type === "paused").length).toBeGreaterThan(0);
}, 120_000);
afterAll(async () => {
  await pool.dispose();
  await server.close();
});

/** The enclosing describe's database (one per backend) holding the source trace. */
function useDatabase(backend: Backend) {
  beforeAll(() => {
    db = openDb(testDbLocation(backend, mkdtempSync(path.join(tmpdir(), "hintlab-sweep-")), "test.db"));
    store = new SweepStore(db);
    traces = new TraceStore(db);
    source = traces.create({ ...replay, dataset: "r1-math" });
  });
  afterAll(() => db.close());
}

const hintSpec = (over: Partial<SweepSpecInput> = {}): SweepSpecInput =>
  ({
    type: "hints",
    traceId: source.id,
    at: { pause: 0 },
    arms: [{ kind: "hint", hintId: HINT_ID }, { kind: "text", text: TEXT_ARM, title: "slow down" }, { kind: "none" }],
    samples: 4,
    seed: 10,
    temperature: 0.7,
    ...over,
  }) as SweepSpecInput;

const create = (spec: SweepSpecInput, over: { retry?: { tries: number; delaysMs: number[] }; concurrency?: number } = {}) =>
  createSweep(store, (id) => traces.get(id), { spec, model: model(), trustBaseUrl: true, retry: over.retry ?? { tries: 3, delaysMs: [1, 2] }, concurrency: over.concurrency ?? 4 });

/** The outcome of a sample, recomputed from its stored trace alone. */
function outcomeFromTrace(trace: Trace, prefixEvents: number, item: { id: string; arm: string; position: number; sample: number }): Omit<SweepOutcome, "durationMs"> {
  const s = continuationStats(trace.events.slice(prefixEvents));
  return {
    itemId: item.id,
    arm: item.arm,
    position: item.position,
    sample: item.sample,
    ...(trace.verdict === "correct" ? { correct: true } : trace.verdict === "incorrect" ? { correct: false } : {}),
    ledToCode: s.toolCalls > 0,
    toolCalls: s.toolCalls,
    toolSuccesses: s.toolSuccesses,
    tokens: s.tokens,
  };
}

/** Which item a recorded request belongs to: its seed gives the sample, the text after the prefix the arm. */
function itemOfRequest(r: RecordedRequest, prefixText: string, seed0: number): string {
  const tail = r.prompt!.slice(r.prompt!.indexOf(prefixText) + prefixText.length);
  const arm = tail.startsWith(HINT_TEXT) ? `hint:${HINT_ID}` : tail.startsWith(TEXT_ARM) ? "text" : "none";
  return `${arm}#${(r.body!.seed as number) - seed0}`;
}

// Python in Node sandboxes and grading are slow on a loaded machine: generous limits. What the
// store keeps runs on each backend; the longer runs of cancel/resume (also covered on each
// backend through the API, sweep-api.test.ts) and of positions, once on SQLite.
describe.each(backends)("sweep runner against the scripted server (%s)", { timeout: 240_000 }, (backend) => {
  useDatabase(backend);

  it("3 arms × 4 samples from a pause: every sample finished, forked and tagged; the grid equals the one recomputed from the stored traces", async () => {
    const id = create(hintSpec());
    const from = server.requests.length;
    const final = await runSweep({ store, traces, sweepId: id, sandboxes: pool });
    expect(final.status).toBe("finished");
    const view = SweepViewSchema.parse(buildSweepView(store, id));
    expect(view.progress).toEqual({ total: 12, done: 12, failed: 0, running: 0, pending: 0 });
    expect(view.arms.map((a) => a.label)).toEqual([BUILTIN_HINTS.find((h) => h.id === HINT_ID)!.title, "slow down", "no hint"]);

    const prefix = forkPrefix(source.segments, source.events, view.positions[0]!);
    const prefixText = selectTraceText(prefix.segments);
    const recomputed: Omit<SweepOutcome, "durationMs">[] = [];
    for (const item of view.items) {
      expect(item.status).toBe("done");
      const trace = traces.get(item.traceId!);
      expect(trace.parentId).toBe(source.id);
      expect(trace.forkAt).toEqual({ segment: view.positions[0]!.segment, offset: view.positions[0]!.offset });
      expect(trace.tags).toEqual([`sweep:${id}`, `sweep:${id}:${item.arm}`, `sweep:${id}:${item.arm}@0`]);
      expect(trace.config.sampling.seed).toBe(10 + item.sample);
      expect(selectTraceText(trace.segments).startsWith(prefixText)).toBe(true);
      const o = outcomeFromTrace(trace, prefix.events.length, item);
      recomputed.push(o);
      const { durationMs, ...stored } = item.outcome!;
      expect(durationMs).toBeGreaterThanOrEqual(0);
      expect(stored).toEqual(o);
    }
    // The library's tag filter finds a cell's traces (arm at position) and a column's.
    for (const a of view.arms) {
      expect(traces.list(TraceListQuerySchema.parse({ tag: `sweep:${id}:${a.key}@0` })).total).toBe(4);
      expect(traces.list(TraceListQuerySchema.parse({ tag: `sweep:${id}:${a.key}` })).total).toBe(4);
    }
    const fromTraces = summarizeSweep(view.arms.map((a) => a.key), recomputed.map((o) => ({ ...o, durationMs: 0 })));
    const strip = (s: { arms: typeof fromTraces.arms }) => s.arms.map(({ meanTimeMs: _t, ...rest }) => rest);
    expect(strip(view.summary!)).toEqual(strip(fromTraces));
    expect(view.summary!.vsNone).toEqual(fromTraces.vsNone);
    // Seeded sampling makes the samples differ: some led to code, some were graded wrong.
    const outcomes = view.items.map((i) => i.outcome!);
    expect(outcomes.some((o) => o.correct === false)).toBe(true);
    expect(outcomes.some((o) => o.correct === true)).toBe(true);
    expect(view.summary!.arms[0]!.ledToCodeRate).toBe(1);
    expect(view.summary!.vsNone.map((c) => c.pairs)).toEqual([4, 4]);

    // Cost: every sample's requests send the prefix byte for byte; the server's prefix cache hits.
    const requests = completions(from);
    expect(requests.length).toBeGreaterThanOrEqual(12);
    for (const r of requests) expect(r.prompt!.startsWith(prefixText)).toBe(true);
    expect(view.cost.promptTokens).toBeGreaterThan(0);
    expect(view.cost.cachedTokens).toBeGreaterThan(0);
    expect(view.cost.completionTokens).toBe(outcomes.reduce((n, o) => n + o.tokens, 0));
    expect(view.cost.prefixTokens).toBeGreaterThan(0);
    expect(view.cost.tokensEvaluated).toBeUndefined();
  });

  it("model-server failures are retried, then recorded as failed — never as wrong answers", async () => {
    const id = create(hintSpec({ arms: [{ kind: "none" }], samples: 3, seed: 0 }), { retry: { tries: 3, delaysMs: [1, 2] } });
    const real = provider();
    const calls = new Map<number, number>();
    // Seed 0 always fails, seed 1 fails once then works, seed 2 works.
    const flaky: Provider = {
      generate(request, signal) {
        const n = (calls.get(request.seed!) ?? 0) + 1;
        calls.set(request.seed!, n);
        if (request.seed === 0 || (request.seed === 1 && n === 1)) {
          return (async function* (): AsyncGenerator<string, never> {
            throw new ModelError("server-error", "the scripted server is down");
          })();
        }
        return real.generate(request, signal);
      },
    };
    const waits: number[] = [];
    await runSweep({ store, traces, sweepId: id, sandboxes: pool, provider: flaky, sleep: async (ms) => void waits.push(ms) });
    const view = buildSweepView(store, id);
    expect(view.progress).toMatchObject({ total: 3, done: 2, failed: 1 });
    const failed = view.items.find((i) => i.seed === 0)!;
    expect(failed).toMatchObject({ status: "failed", attempts: 3 });
    expect(failed.error).toMatch(/server-error/);
    expect(failed.outcome).toBeUndefined();
    expect(view.items.find((i) => i.seed === 1)).toMatchObject({ status: "done", attempts: 2 });
    expect(calls.get(0)).toBe(3);
    expect(waits.sort()).toEqual([1, 1, 2]);
    // The failed sample is out of the grid: 2 finished samples, not 3 with one wrong.
    expect(view.summary!.arms[0]).toMatchObject({ n: 2 });
    // A failed item keeps its last attempt's trace, tagged like the others.
    expect(traces.get(failed.traceId!).status).toBe("failed");
  });

  it("bad specs fail before anything is stored, with a message that says what to fix", () => {
    const get = (tid: string) => traces.get(tid);
    expect(() => createSweep(store, get, { spec: hintSpec({ arms: [{ kind: "hint", hintId: "no-such-hint" }] }) })).toThrow(/no hint "no-such-hint"/);
    expect(() => createSweep(store, get, { spec: hintSpec({ at: { pause: 999 } }) })).toThrow(/pause 999 does not exist/);
    expect(() => createSweep(store, get, { spec: hintSpec({ samples: 0 }) })).toThrow(/samples must be 1 to 256/);
    expect(() => createSweep(store, get, { spec: hintSpec({ traceId: "nope" }) })).toThrow(/nope/);
  });

  it("a sweep marked running whose runner is gone reads as interrupted", () => {
    const id = create(hintSpec({ arms: [{ kind: "none" }], samples: 1 }));
    store.setStatus(id, "running", 1_000);
    expect(store.get(id, 1_000 + 60_000).status).toBe("interrupted");
  });
});

describe("sweep runner: cancel/resume and positions (sqlite)", { timeout: 240_000 }, () => {
  useDatabase("sqlite");

  it("cancel, then resume: done items are never requested again and every item ends with exactly one trace", async () => {
    const spec = hintSpec({ seed: 100 });
    const id = create(spec, { concurrency: 1 });
    const controller = new AbortController();
    const from = server.requests.length;
    const first = await runSweep({
      store,
      traces,
      sweepId: id,
      sandboxes: pool,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done >= 5) controller.abort();
      },
    });
    expect(first.status).toBe("cancelled");
    const afterCancel = buildSweepView(store, id);
    expect(afterCancel.progress.done).toBe(5);
    expect(afterCancel.progress.running).toBe(0);
    const doneIds = new Set(afterCancel.items.filter((i) => i.status === "done").map((i) => i.id));
    const prefixText = selectTraceText(forkPrefix(source.segments, source.events, afterCancel.positions[0]!).segments);
    const key = (itemId: string) => itemId.replace(/^(text):[0-9a-f]+/, "$1").replace(/@\d+/, "");
    const doneKeys = new Set([...doneIds].map(key));
    expect(completions(from).map((r) => itemOfRequest(r, prefixText, 100)).filter((k) => doneKeys.has(k)).length).toBeGreaterThanOrEqual(5);

    const resumedFrom = server.requests.length;
    const second = await runSweep({ store, traces, sweepId: id, sandboxes: pool });
    expect(second.status).toBe("finished");
    const resumedKeys = completions(resumedFrom).map((r) => itemOfRequest(r, prefixText, 100));
    expect(resumedKeys.length).toBeGreaterThanOrEqual(7);
    expect(resumedKeys.filter((k) => doneKeys.has(k))).toEqual([]);

    const view = buildSweepView(store, id);
    expect(view.progress).toMatchObject({ total: 12, done: 12 });
    for (const d of afterCancel.items.filter((i) => i.status === "done")) expect(view.items.find((i) => i.id === d.id)!.traceId).toBe(d.traceId);
    const sweepTraces = traces.list(TraceListQuerySchema.parse({ tag: `sweep:${id}`, limit: 100 }));
    expect(sweepTraces.total).toBe(12);
    // A finished sweep has nothing left: running it again sends nothing.
    const idle = server.requests.length;
    await runSweep({ store, traces, sweepId: id, sandboxes: pool });
    expect(server.requests.length).toBe(idle);
  });


  it("a position sweep over the trace's triggers: one arm at every trigger, a row per position", async () => {
    const id = create({ type: "positions", traceId: source.id, positions: "triggers", arm: { kind: "hint", hintId: HINT_ID }, samples: 1, seed: 3, temperature: 0.7 });
    await runSweep({ store, traces, sweepId: id, sandboxes: pool });
    const view = buildSweepView(store, id);
    expect(view.positions.length).toBeGreaterThan(1);
    expect(view.positions.every((p) => p.label === "Wait")).toBe(true);
    expect(view.summary).toBeNull();
    expect(view.positionSummary!.map((p) => p.n)).toEqual(view.positions.map(() => 1));
    expect(view.progress.done).toBe(view.positions.length);
  });
});
