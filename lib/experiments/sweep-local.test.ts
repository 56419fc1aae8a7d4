import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb, TraceStore, type Db } from "@/lib/db";
import { getTemplate, renderUserMessage } from "@/lib/engine";
import type { Problem, Trace } from "@/lib/protocol";
import { createLocalProvider } from "@/lib/providers/local/local-provider";
import { LocalRuntime } from "@/lib/providers/local/runtime";
import { writeTinyGguf } from "@/lib/providers/testing/tiny-gguf";
import { SandboxPool } from "./sandbox-pool";
import { createSweep } from "./sweep-setup";
import { runSweep } from "./sweep-runner";
import { SweepStore } from "./sweep-store";
import { buildSweepView } from "./sweep-view";
import { backends, testDbLocation, type Backend } from "@/lib/db/test-backends";

// A sweep on the real local provider (node-llama-cpp, the tiny random GGUF, one thread): all
// samples share one session, so the long common prefix is evaluated once, not once per sample.
const dir = mkdtempSync(path.join(tmpdir(), "hintlab-sweep-local-"));
const modelPath = path.join(dir, "tiny.gguf");
const MAX_TOKENS = 16;
const ARM_TEXT = "Wait, let me check that again.";
let runtime: LocalRuntime;
let db: Db;
let pool: SandboxPool;
let source: Trace;

beforeAll(() => {
  writeTinyGguf(modelPath, { ctx: 8192 });
  pool = new SandboxPool(1);
});
afterAll(() => pool.dispose());

/**
 * A fresh runtime (the test counts its sessions) and the source trace in a fresh database of
 * `backend` (the tiny model's random bytes can hold U+0000).
 */
function setUp(backend: Backend) {
  runtime = new LocalRuntime({ threads: 1, gpu: false, contextSize: 4096, maxContexts: 2, idleMs: 0 });
  db = openDb(testDbLocation(backend, dir, `${backend}.db`));
  const problem: Problem = { id: "p", kind: "math", statement: "What is 2+2?", gold: "4" };
  const config = {
    provider: "local" as const,
    model: "tiny",
    template: "qwen3" as const,
    sampling: { maxTokens: 4000 },
    triggers: ["Wait"],
    policy: { type: "greedy" as const },
    maxToolCalls: 2,
    toolTimeoutMs: 5000,
    maxOutputChars: 1000,
    hintLibraryVersion: "t",
    policySeed: 0,
  };
  const prompt = getTemplate(config.template).render(renderUserMessage(problem, config.template));
  // ~1,500 tokens of thinking (the tiny vocabulary is bytes and a few merges): the shared prefix.
  const thinking = "Let me think about the sum step by step, carefully. ".repeat(30);
  source = new TraceStore(db).create({
    problem,
    config,
    segments: [
      { id: "seg-1", kind: "prompt", text: prompt },
      { id: "seg-2", kind: "model", text: thinking },
    ],
    events: [{ type: "run-started", at: 0 }],
    status: "stopped",
  });
  expect(getTemplate("qwen3").endOfThinking).toBeTruthy();
}

describe.each(backends)("a sweep on the local model (%s)", { timeout: 240_000 }, (backend) => {
  beforeAll(() => setUp(backend));
  afterAll(async () => {
    await runtime.close();
    db.close();
  });

  it("2 arms × 2 samples evaluate the shared prefix once: tokens evaluated ≈ prefix + Σ continuation, not 4 × prefix", async () => {
    const store = new SweepStore(db);
    const traces = new TraceStore(db);
    const id = createSweep(store, (t) => traces.get(t), {
      spec: { type: "hints", traceId: source.id, at: { segment: 1, offset: source.segments[1]!.text.length }, arms: [{ kind: "text", text: ARM_TEXT }, { kind: "none" }], samples: 2, temperature: 0.8, seed: 1 },
      model: { connection: "local", template: "qwen3" },
      maxTokens: MAX_TOKENS,
      concurrency: 8,
    });
    const provider = createLocalProvider({ runtime, modelPath, template: "qwen3" });
    await runSweep({ store, traces, sweepId: id, provider, local: true, sandboxes: pool, grade: () => ({ verdict: "ungraded" }) });
    const view = buildSweepView(store, id);
    expect(view.progress).toMatchObject({ done: 4, failed: 0 });

    // One session for the whole sweep, whose llama.cpp token meter agrees with the provider's.
    const loaded = (await runtime.loaded(modelPath))!;
    expect(loaded.sessions.keys()).toEqual([`sweep:${id}`]);
    const session = loaded.sessions.get(`sweep:${id}`)!;
    for (let i = 0; session.busy && i < 500; i++) await new Promise((r) => setTimeout(r, 2));
    const { usedInputTokens, usedOutputTokens } = session.slot.sequence.tokenMeter.getState();
    expect(provider.tokensEvaluated!()).toBe(usedInputTokens + usedOutputTokens);

    const prefix = view.cost.prefixTokens!;
    const continuation = view.cost.completionTokens;
    const armTokens = ARM_TEXT.length; // at most one token per byte
    expect(prefix).toBeGreaterThan(1000);
    expect(continuation).toBeLessThanOrEqual(4 * MAX_TOKENS);
    // The meter sums per sample into the view; a prefix evaluated per sample would be ≥ 4 × prefix.
    expect(view.cost.tokensEvaluated).toBeDefined();
    expect(view.cost.tokensEvaluated!).toBeGreaterThanOrEqual(prefix);
    expect(view.cost.tokensEvaluated!).toBeLessThanOrEqual(prefix + continuation + 2 * armTokens + 8);
    // And the samples after the first reused it: cached prompt tokens ≈ 3 × prefix.
    expect(view.cost.cachedTokens).toBeGreaterThanOrEqual(3 * (prefix - 4));
  });
});
