import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb, TraceStore, type Db } from "@/lib/db";
import type { Trace } from "@/lib/protocol";
import { createOpenAICompletionsProvider } from "@/lib/providers";
import { startSwitchProxy, type SwitchProxy } from "@/lib/providers/testing/switch-proxy";
import { runHeadless } from "@/lib/runner/headless";
import { loadTraces } from "@/e2e/fixtures/scripted-model";
import { startScriptedServer, type ScriptedServer } from "@/e2e/fixtures/scripted-server";
import type { Grader } from "./runner";
import { SandboxPool } from "./sandbox-pool";
import { createSweep } from "./sweep-setup";
import { runSweep } from "./sweep-runner";
import { SweepStore } from "./sweep-store";
import { buildSweepView } from "./sweep-view";

// Issue 14 for sweeps: the samples of one sweep spread over two servers of the model, each
// sample's trace recording the one it ran on.
const record = loadTraces().find((t) => t.id === "deepseek-r1-distill-llama-8b/problem_6998/correct")!;

let servers: ScriptedServer[];
let proxies: SwitchProxy[];
let pool: SandboxPool;
let db: Db;
let store: SweepStore;
let traces: TraceStore;
let source: Trace;
const keepVerdict: Grader = (_problem, trace) => ({ verdict: trace.verdict ?? "ungraded" });

beforeAll(async () => {
  servers = [await startScriptedServer({ chunksPerSecond: 0 }), await startScriptedServer({ chunksPerSecond: 3000 })];
  proxies = [await startSwitchProxy(servers[1]!.baseUrl), await startSwitchProxy(servers[1]!.baseUrl)];
  pool = new SandboxPool(1);
  db = openDb(path.join(mkdtempSync(path.join(tmpdir(), "hintlab-sweep-ep-")), "test.db"));
  store = new SweepStore(db);
  traces = new TraceStore(db);
  const replay = await runHeadless({
    traceId: "source-ep",
    problem: { id: "problem_6998", kind: "math", statement: record.problem, gold: record.gold_answer },
    config: {
      provider: "openai-completions",
      baseUrl: servers[0]!.baseUrl,
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
    provider: createOpenAICompletionsProvider({ provider: "openai-completions", baseUrl: servers[0]!.baseUrl, model: "scripted-r1", template: "deepseek-r1", timeoutMs: 30_000 }),
    sandbox: pool.session(),
  });
  source = traces.create(replay);
}, 120_000);
afterAll(async () => {
  await pool.dispose();
  await Promise.all([...proxies, ...servers].map((s) => s.close()));
  db.close();
});

describe("a sweep over two model servers", { timeout: 120_000 }, () => {
  it("spreads its samples over both, never more in flight on the capped one, and records each sample's server", async () => {
    const [a, b] = proxies as [SwitchProxy, SwitchProxy];
    const id = createSweep(store, (t) => traces.get(t), {
      spec: { type: "hints", traceId: source.id, at: { pause: 0 }, arms: [{ kind: "none" }], samples: 6, seed: 1, temperature: 0.7 },
      model: { endpoints: [{ baseUrl: a.baseUrl }, { baseUrl: b.baseUrl, maxConcurrent: 1 }], model: "scripted-r1", template: "deepseek-r1" },
      concurrency: 4,
      maxTokens: 400,
      trustBaseUrl: true,
    });
    const final = await runSweep({ store, traces, sweepId: id, sandboxes: pool, grade: keepVerdict });
    expect(final.status).toBe("finished");
    const view = buildSweepView(store, id);
    expect(view.progress).toMatchObject({ total: 6, done: 6, failed: 0 });
    expect(b.maxInFlight()).toBe(1);
    expect(a.completions().length).toBeGreaterThan(0);
    expect(b.completions().length).toBeGreaterThan(0);
    const served = view.items.map((it) => traces.get(it.traceId!).config.baseUrl);
    expect(view.items.map((it) => it.endpoint)).toEqual(served);
    expect(served.every((u) => u === a.baseUrl || u === b.baseUrl)).toBe(true);
    expect(new Set(served).size).toBe(2);
  });
});
