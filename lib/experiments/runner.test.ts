import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb, TraceStore, type Db } from "@/lib/db";
import type { ExperimentSpecInput } from "@/lib/protocol";
import { startScriptedServer, type ScriptedServer } from "@/e2e/fixtures/scripted-server";
import { datasetFromTraceRecords } from "./datasets";
import { computeResults } from "./results";
import { runExperiment } from "./runner";
import { SandboxPool } from "./sandbox-pool";
import { ExperimentStore } from "./store";
import { backends, testDbLocation, type Backend } from "@/lib/db/test-backends";

const ROOT = path.resolve(import.meta.dirname, "../..");
const RECORDS = readFileSync(path.join(ROOT, "e2e/fixtures/data/r1-distill-math-40.jsonl"), "utf8");
const records = RECORDS.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { id: string; problem: string; extracted_answer: string; is_correct: boolean });
/** The trace the scripted server replays for a problem: its first correct recording. */
const replayed = (statement: string) => records.find((r) => r.problem === statement && r.is_correct)!;

let server: ScriptedServer;
let pool: SandboxPool;
let db: Db;
let store: ExperimentStore;
let traces: TraceStore;
let datasetId: string;

beforeAll(async () => {
  server = await startScriptedServer({ chunksPerSecond: 0 });
  pool = new SandboxPool(2);
});
afterAll(async () => {
  await pool.dispose();
  await server.close();
});

/** The enclosing describe's database (one per backend), with the 4-problem dataset. */
function useDatabase(backend: Backend) {
  beforeAll(() => {
    db = openDb(testDbLocation(backend, mkdtempSync(path.join(tmpdir(), "hintlab-exp-")), "test.db"));
    store = new ExperimentStore(db);
    traces = new TraceStore(db);
    datasetId = store.importDataset(datasetFromTraceRecords(RECORDS, 4), "r1-math-4").dataset!.id;
  });
  afterAll(() => db.close());
}

const spec = (over: Partial<ExperimentSpecInput> = {}): ExperimentSpecInput => ({
  datasetId,
  policies: ["greedy", "paper:rounds=1"],
  samples: 2,
  model: { baseUrl: server.baseUrl, model: "scripted-r1", template: "deepseek-r1" },
  concurrency: 4,
  maxTokens: 32_000,
  retry: { tries: 3, delaysMs: [1, 2, 4] },
  ...over,
});

describe.each(backends)("experiment runner against the scripted server (%s)", (backend) => {
  useDatabase(backend);

  it("greedy and paper:rounds=1 × 2 samples over 4 problems: every item finished, verdicts as the recorded traces imply", async () => {
    const exp = store.createExperiment(spec());
    const final = await runExperiment({ store, traces, experimentId: exp.id, sandboxes: pool });
    expect(final.status).toBe("finished");
    expect(final.progress).toMatchObject({ total: 16, done: 16, failed: 0, running: 0, pending: 0 });

    const items = store.items(exp.id);
    const problems = store.problemMap(datasetId);
    for (const it of items) {
      const rec = replayed(problems.get(it.problemId)!.statement);
      expect(it.traceId).toBeTruthy();
      if (it.policy === "greedy") {
        // Greedy replays the recorded correct trace: same answer, correct, no hint, no code.
        expect(it.answer).toBe(rec.extracted_answer);
        expect(it.verdict).toBe("correct");
        expect(it.toolCalls).toBe(0);
        expect(it.hints).toEqual([]);
      } else {
        // One end-of-thinking hint, then the model writes and runs one program.
        expect(it.hints).toHaveLength(1);
        expect(it.toolCalls).toBe(1);
        expect(it.verdict).toBe("correct");
      }
      const trace = traces.get(it.traceId!);
      expect(trace.dataset).toBe("r1-math-4");
      expect(trace.tags).toEqual([`exp:${exp.id}`, `policy:${it.policy}`, `exp:${exp.id}:${it.policy}`]);
      expect(trace.verdict).toBe(it.verdict);
    }

    const results = computeResults(items, final.policies);
    const greedy = results.policies.find((p) => p.policy === "greedy")!;
    const paper = results.policies.find((p) => p.policy === "paper:rounds=1")!;
    expect(greedy).toMatchObject({ n: 8, failed: 0, problems: 4, graded: 8, correct: 8, pass1: 1, toolCallRate: 0, meanToolCalls: 0 });
    // 2 samples on each of 4 problems, all right: the interval is over problems — Wilson of 4/4,
    // 4 / (4 + 1.96²) = 0.5101 (the bootstrap alone would collapse to 100%) — the upper exactly 1.
    expect(greedy.ciMethod).toBe("bootstrap");
    expect(greedy.ci95![0]).toBeCloseTo(0.5101, 4);
    expect(greedy.ci95![1]).toBe(1);
    expect(paper).toMatchObject({ n: 8, problems: 4, pass1: 1, toolCallRate: 1, meanToolCalls: 1 });
    expect(paper.meanTokens!).toBeGreaterThan(0);
    expect(results.scaling.map((s) => [s.rounds, s.pass1])).toEqual([
      [0, 1],
      [1, 1],
    ]);
    const hintTotal = results.hints.reduce((a, h) => a + h.injected, 0);
    expect(hintTotal).toBe(8);
    expect(results.hints.every((h) => h.ledToCode === h.injected && h.wrongToRight === 0 && h.pairedWithGreedy === h.injected)).toBe(true);
  });

  it("a failing model server is retried with backoff, then recorded as failed (not as a wrong answer)", async () => {
    const exp = store.createExperiment(spec({ policies: ["greedy"], samples: 1, model: { baseUrl: `${server.url}/fail/500/v1`, model: "scripted-r1", template: "deepseek-r1" } }));
    const before = server.requests.length;
    const waits: number[] = [];
    const final = await runExperiment({ store, traces, experimentId: exp.id, sandboxes: pool, sleep: async (ms) => void waits.push(ms) });
    expect(final.progress).toMatchObject({ total: 4, done: 0, failed: 4 });
    const items = store.items(exp.id);
    expect(items.every((it) => it.status === "failed" && it.verdict === null && it.attempts === 3 && /server-error/.test(it.error ?? ""))).toBe(true);
    expect(server.requests.slice(before).filter((r) => r.endpoint === "completions")).toHaveLength(12);
    // Per item: wait 1 ms after the first try, 2 ms after the second (items run concurrently, so sorted).
    expect(waits.sort((a, b) => a - b)).toEqual([1, 1, 1, 1, 2, 2, 2, 2]);
    const r = computeResults(items, final.policies).policies[0]!;
    expect(r).toMatchObject({ n: 0, failed: 4, pass1: null });
  });

  it("cancel mid-run keeps finished items; resume runs only the rest (no new requests for finished ones)", async () => {
    const exp = store.createExperiment(spec({ policies: ["greedy"], samples: 1, concurrency: 1 }));
    const controller = new AbortController();
    let finished = 0;
    const first = await runExperiment({
      store,
      traces,
      experimentId: exp.id,
      sandboxes: pool,
      signal: controller.signal,
      onItemFinished: () => {
        if (++finished === 2) controller.abort();
      },
    });
    expect(first.status).toBe("cancelled");
    expect(first.progress).toMatchObject({ done: 2, running: 0, pending: 2 });
    const doneBefore = store.items(exp.id).filter((it) => it.status === "done");
    const problems = store.problemMap(datasetId);
    const finishedStatements = doneBefore.map((it) => problems.get(it.problemId)!.statement);

    const before = server.requests.length;
    const second = await runExperiment({ store, traces, experimentId: exp.id, sandboxes: pool });
    expect(second.status).toBe("finished");
    expect(second.progress).toMatchObject({ done: 4, failed: 0 });
    const fresh = server.requests.slice(before).filter((r) => r.endpoint === "completions");
    expect(fresh.length).toBeGreaterThanOrEqual(2);
    for (const s of finishedStatements) expect(fresh.some((r) => r.prompt?.includes(s))).toBe(false);
    // Finished items keep their traces.
    const after = store.items(exp.id);
    for (const d of doneBefore) expect(after.find((a) => a.problemId === d.problemId)!.traceId).toBe(d.traceId);
  });

  it("an experiment marked running whose runner is gone reads as interrupted", () => {
    const exp = store.createExperiment(spec({ policies: ["greedy"], samples: 1 }));
    store.setStatus(exp.id, "running", 1_000);
    expect(store.getExperiment(exp.id, 1_000 + 60_000).status).toBe("interrupted");
  });

});

// Scheduling of Python, not storage: once, on SQLite.
describe("experiment runner and the sandbox pool", () => {
  useDatabase("sqlite");

  it("tool-using traces beyond the pool's size run at once: no trace holds Python while its model thinks", async () => {
    // One execution place for 4 traces of 2 programs each. Before, a trace kept its process from
    // its first program to its end, so with one place the traces' code ran one trace after another.
    const spans = new Map<number, { first: number; last: number; blocks: number }>();
    class TimedPool extends SandboxPool {
      private next = 0;
      override session() {
        const inner = super.session();
        const id = this.next++;
        return {
          ...inner,
          execute: async (code: string, options: Parameters<typeof inner.execute>[1]) => {
            const first = performance.now();
            const r = await inner.execute(code, options);
            const span = spans.get(id) ?? { first, last: 0, blocks: 0 };
            spans.set(id, { first: span.first, last: performance.now(), blocks: span.blocks + 1 });
            return r;
          },
        };
      }
    }
    const one = new TimedPool({ running: 1, warm: 1, kept: 1 });
    const slow = await startScriptedServer({ chunksPerSecond: 4000 });
    try {
      const exp = store.createExperiment(
        spec({ policies: ["paper:rounds=2"], samples: 1, model: { baseUrl: slow.baseUrl, model: "scripted-r1", template: "deepseek-r1" } }),
      );
      const final = await runExperiment({ store, traces, experimentId: exp.id, sandboxes: one });
      expect(final.progress).toMatchObject({ total: 4, done: 4, failed: 0 });
      const items = store.items(exp.id);
      expect(items.every((it) => it.toolCalls === 2 && it.verdict === "correct")).toBe(true);
      const all = [...spans.values()].filter((s) => s.blocks === 2);
      expect(all).toHaveLength(4);
      // Some pair of traces overlaps: one ran its first program before the other ran its last.
      const overlapping = all.flatMap((a, i) => all.slice(i + 1).filter((b) => a.first < b.last && b.first < a.last));
      expect(overlapping.length).toBeGreaterThan(0);
      const stats = one.stats();
      expect(stats.peakRunning).toBe(1);
      expect(stats.peakSessions).toBeGreaterThan(1);
      // One interpreter kept, so the other traces' second programs found theirs by replay, with the same verdicts.
      expect(stats.restores).toBeGreaterThan(0);
      expect(stats.keptHits + stats.restores).toBe(4);
    } finally {
      await one.dispose();
      await slow.close();
    }
  }, 120_000);
});
