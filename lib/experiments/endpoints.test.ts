import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb, TraceStore, type Db } from "@/lib/db";
import type { ExperimentSpecInput } from "@/lib/protocol";
import { createProvider, EndpointPool, resolveModelConfig } from "@/lib/providers";
import { startSwitchProxy, type SwitchProxy } from "@/lib/providers/testing/switch-proxy";
import { startScriptedServer, type ScriptedServer } from "@/e2e/fixtures/scripted-server";
import { datasetFromTraceRecords } from "./datasets";
import { computeResults } from "./results";
import { runExperiment, type Grader } from "./runner";
import { SandboxPool } from "./sandbox-pool";
import { ExperimentStore } from "./store";

/**
 * Issue 14: one experiment over three model servers (scripted servers behind switchable
 * proxies, so a test can take one down mid-run and watch what the pool sends it). Greedy
 * traces without tool calls are one request each, so routing shows directly in the requests
 * each server recorded.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
const RECORDS = readFileSync(path.join(ROOT, "e2e/fixtures/data/r1-distill-math-40.jsonl"), "utf8");

let db: Db;
let store: ExperimentStore;
let traces: TraceStore;
let pool: SandboxPool;
const servers: ScriptedServer[] = [];
const proxies: SwitchProxy[] = [];

// Grading is not what is tested here: the engine's own verdict is kept (no sympy processes).
const keepVerdict: Grader = (_problem, trace) => ({ ...(trace.answer !== undefined ? { answer: trace.answer } : {}), verdict: trace.verdict ?? "ungraded" });

async function serve(chunksPerSecond: number): Promise<SwitchProxy> {
  const server = await startScriptedServer({ chunksPerSecond });
  servers.push(server);
  const proxy = await startSwitchProxy(server.baseUrl);
  proxies.push(proxy);
  return proxy;
}

beforeAll(() => {
  db = openDb(path.join(mkdtempSync(path.join(tmpdir(), "hintlab-endpoints-")), "test.db"));
  store = new ExperimentStore(db);
  traces = new TraceStore(db);
  pool = new SandboxPool(1);
});
afterAll(async () => {
  await pool.dispose();
  await Promise.all([...proxies, ...servers].map((s) => s.close()));
  db.close();
});

function spec(datasetId: string, endpoints: { baseUrl: string; maxConcurrent?: number }[], over: Partial<ExperimentSpecInput>): ExperimentSpecInput {
  return {
    datasetId,
    policies: ["greedy"],
    model: { endpoints, model: "scripted-r1", template: "deepseek-r1" },
    retry: { tries: 3, delaysMs: [10, 10] },
    ...over,
  };
}

/** Every item done once, one stored trace each, results counting each once. */
function expectEachItemOnce(experimentId: string, total: number) {
  const items = store.items(experimentId);
  expect(items).toHaveLength(total);
  expect(items.filter((it) => it.status === "done")).toHaveLength(total);
  expect(new Set(items.map((it) => it.traceId)).size).toBe(total);
  expect(traces.list({ tag: `exp:${experimentId}`, sort: "created", order: "asc", limit: 1000, offset: 0 }).total).toBe(total);
  const results = computeResults(items, store.getExperiment(experimentId).policies);
  expect(results.policies[0]).toMatchObject({ n: total, failed: 0 });
  expect(results.endpoints.reduce((sum, e) => sum + e.done, 0)).toBe(total);
  return { items, results };
}

describe("an experiment over several model servers", () => {
  it("sends each trace to the server with the fewest requests in flight and never over a server's cap", async () => {
    const slow = await serve(300);
    const fast = await serve(4000);
    const capped = await serve(4000);
    const datasetId = store.importDataset(datasetFromTraceRecords(RECORDS, 4), "four").dataset!.id;
    const exp = store.createExperiment(
      spec(datasetId, [{ baseUrl: slow.baseUrl }, { baseUrl: fast.baseUrl }, { baseUrl: capped.baseUrl, maxConcurrent: 1 }], { samples: 5, concurrency: 5, maxTokens: 600 }),
    );
    const final = await runExperiment({ store, traces, experimentId: exp.id, sandboxes: pool, grade: keepVerdict });
    expect(final.progress).toMatchObject({ total: 20, done: 20, failed: 0 });

    const { items, results } = expectEachItemOnce(exp.id, 20);
    const [a, b, c] = [slow, fast, capped].map((p) => p.completions().length);
    // One request per greedy trace: nothing sent twice.
    expect(a! + b! + c!).toBe(20);
    // The cap held, and the capped server still took its share.
    expect(capped.maxInFlight()).toBe(1);
    expect(c).toBeGreaterThan(0);
    // Least outstanding: 4 requests in flight share the two uncapped servers, so neither ever has more
    // than 2, though one is 13 times slower (taking turns, the slow one would hold up to 4: every
    // third request, each lasting long after the fast ones). A server's own count of open streams
    // is never above the pool's count for it (a stream opens after the pool counts it and closes before).
    expect(slow.maxInFlight()).toBeLessThanOrEqual(2);
    expect(fast.maxInFlight()).toBeLessThanOrEqual(2);
    expect(slow.maxInFlight() + fast.maxInFlight()).toBeGreaterThanOrEqual(3);
    // Each item records the server its trace ran on, and the results say as much.
    const byEndpoint = Object.fromEntries(results.endpoints.map((e) => [e.endpoint, e.done]));
    expect(byEndpoint).toEqual({ [slow.baseUrl]: a, [fast.baseUrl]: b, [capped.baseUrl]: c });
    expect(items.every((it) => [slow.baseUrl, fast.baseUrl, capped.baseUrl].includes(it.endpoint!))).toBe(true);
    expect(traces.get(items[0]!.traceId!).config.baseUrl).toBe(items[0]!.endpoint);
  });

  it("the requests of one trace (hint, code, continuation) stay on the server that began it", async () => {
    const [a, b] = [await serve(3000), await serve(3000)];
    const datasetId = store.importDataset(datasetFromTraceRecords(RECORDS, 2), "two").dataset!.id;
    const exp = store.createExperiment(spec(datasetId, [a, b].map((p) => ({ baseUrl: p.baseUrl })), { policies: ["paper:rounds=1"], samples: 2, concurrency: 4 }));
    const final = await runExperiment({ store, traces, experimentId: exp.id, sandboxes: pool, grade: keepVerdict });
    expect(final.progress).toMatchObject({ total: 4, done: 4, failed: 0 });
    const { items } = expectEachItemOnce(exp.id, 4);
    const requestsOn = new Map<string, number>();
    for (const it of items) {
      const trace = traces.get(it.traceId!);
      expect(trace.config.endpoints).toBeUndefined(); // never moved
      const streams = trace.events.filter((e) => e.type === "stream-started").length;
      expect(streams).toBeGreaterThan(1);
      requestsOn.set(it.endpoint!, (requestsOn.get(it.endpoint!) ?? 0) + streams);
    }
    // Each server saw exactly the requests of the traces recorded on it.
    expect(Object.fromEntries(requestsOn)).toEqual(Object.fromEntries([a, b].filter((p) => p.completions().length).map((p) => [p.baseUrl, p.completions().length])));
    expect(requestsOn.size).toBe(2); // and both were used
  });

  it("a server that fails mid-run gets nothing while it is out, its traces are redone elsewhere, and it is brought back once healthy", async () => {
    // The pool createProvider shares for this configuration: the test watches what it thinks of b.
    const ref: { pool?: EndpointPool } = {};
    const a = await serve(1000);
    const b = await serve(1000);
    const c = await serve(1000);
    const datasetId = store.importDataset(datasetFromTraceRecords(RECORDS, 5), "five").dataset!.id;
    const s = spec(datasetId, [a, b, c].map((p) => ({ baseUrl: p.baseUrl })), { samples: 6, concurrency: 6, maxTokens: 1500 });
    const exp = store.createExperiment(s);
    const shared = createProvider(resolveModelConfig(store.getExperiment(exp.id).spec.model));
    expect(shared).toBeInstanceOf(EndpointPool);
    ref.pool = shared as EndpointPool;

    const running = runExperiment({ store, traces, experimentId: exp.id, sandboxes: pool, grade: keepVerdict });
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const bState = () => ref.pool!.stats()[1]!.state;
    // Down once b is streaming, for long enough that its first health check (1 s after the pool
    // takes it out) fails even on a loaded machine, and back before the second (3 s after).
    while (b.inFlight() === 0) await sleep(20);
    await sleep(300);
    b.down();
    const downAt = Date.now();
    while (bState() === "up" && Date.now() - downAt < 5_000) await sleep(5);
    const outAt = Date.now();
    expect(bState()).toBe("down");
    // The page's live counters (written on the runner's one-second beat) show it out.
    const shownB = () => store.getExperiment(exp.id).endpoints?.find((e) => e.url === b.baseUrl);
    while (shownB()?.state !== "down" && Date.now() - outAt < 2_000) await sleep(20);
    expect(shownB()).toMatchObject({ state: "down", lastError: expect.any(String) });
    expect(shownB()!.failures).toBeGreaterThan(0);
    await sleep(Math.max(0, downAt + 2_500 - Date.now()));
    b.up();
    const upAt = Date.now();
    while (bState() === "down" && Date.now() - upAt < 10_000) await sleep(5);
    const backAt = Date.now();
    const final = await running;
    expect(final.progress).toMatchObject({ total: 30, done: 30, failed: 0 });

    const { items } = expectEachItemOnce(exp.id, 30);
    expect(b.cut()).toBeGreaterThan(0);
    // Nothing reached b while the pool had it out, only health checks. Requests the pool sent
    // before it learned (a few ms: the cut streams tell it at once) may still arrive just after.
    const window = b.records.filter((r) => r.at > outAt + 250 && r.at < backAt);
    expect(window.length).toBeGreaterThan(0);
    expect(window.filter((r) => !r.path.endsWith("/models"))).toEqual([]);
    // The first check, ~1 s after it went out, met the switched-off server: backed off, not back yet.
    const probes = b.records.filter((r) => r.path.endsWith("/models"));
    expect(probes.filter((r) => r.at < downAt)).toEqual([]); // never taken out before it failed
    expect(probes[0]!.whileDown).toBe(true);
    expect(probes.at(-1)!.at).toBeGreaterThanOrEqual(upAt);
    expect(backAt - outAt).toBeGreaterThanOrEqual(2_900); // 1 s + 2 s of backoff
    // Back in: b served traces after it recovered.
    expect(b.completions().filter((r) => r.at > backAt).length).toBeGreaterThan(0);
    expect(items.filter((it) => it.endpoint === b.baseUrl).length).toBeGreaterThan(0);
    expect(bState()).toBe("up");
    // The final counts, as the page shows them: the pool's own, nothing in flight.
    const shown = store.getExperiment(exp.id).endpoints!;
    expect(shown.map((e) => e.url).sort()).toEqual([a, b, c].map((p) => p.baseUrl).sort());
    for (const e of ref.pool!.stats()) expect(shown.find((x) => x.url === e.url)).toMatchObject({ state: "up", outstanding: 0, served: e.served, failures: e.failures });
    expect(shown.reduce((n, e) => n + e.served, 0)).toBeGreaterThanOrEqual(30);
  });
});
