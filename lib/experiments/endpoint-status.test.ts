import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDb, type Db } from "@/lib/db";
import { backends, testDbLocation } from "@/lib/db/test-backends";
import type { EndpointStats } from "@/lib/providers/endpoint-pool";
import { datasetFromTraceRecords } from "./datasets";
import { STALE_MS } from "./endpoint-status";
import { ExperimentStore } from "./store";

// Live counters per model server, as the experiment page reads them: what several runners
// (the app's run and workers on other machines) report, summed, with runners that stopped
// counted for their totals only.
const RECORDS = readFileSync(path.resolve(import.meta.dirname, "../../e2e/fixtures/data/r1-distill-math-40.jsonl"), "utf8");
const T = 1_800_000_000_000;
const A = "http://10.0.0.1:8000/v1";
const B = "http://10.0.0.2:8000/v1";

function stat(url: string, over: Partial<EndpointStats> = {}): EndpointStats {
  return { url, state: "up", outstanding: 0, maxConcurrent: null, served: 0, failures: 0, nextProbeAt: null, lastError: null, ...over };
}

describe.each(backends)("%s", (backend) => {
  let dir: string;
  let db: Db;
  let store: ExperimentStore;
  let id: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "hintlab-endpoint-status-"));
    db = openDb(testDbLocation(backend, dir));
    store = new ExperimentStore(db);
    const datasetId = store.importDataset(datasetFromTraceRecords(RECORDS, 2), "two").dataset!.id;
    id = store.createExperiment({ datasetId, policies: ["greedy"], model: { endpoints: [{ baseUrl: A }, { baseUrl: B }], model: "m", template: "deepseek-r1" } }, T).id;
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("an experiment that never used a pool has no model-server panel", () => {
    expect(store.getExperiment(id, T).endpoints).toBeUndefined();
  });

  it("sums the runners' counts per server; a server is down when any live runner took it out", () => {
    store.recordEndpoints(id, "run:1", [stat(A, { outstanding: 3, served: 10, maxConcurrent: 4 }), stat(B, { outstanding: 1, served: 2, failures: 1, lastError: "connection refused" })], T);
    store.recordEndpoints(id, "worker:2", [stat(A, { outstanding: 2, served: 5, maxConcurrent: 4 }), stat(B, { state: "down", failures: 2, nextProbeAt: T + 2_000, lastError: "server error 503" })], T + 500);
    expect(store.getExperiment(id, T + 1_000).endpoints).toEqual([
      { url: A, state: "up", outstanding: 5, maxConcurrent: 4, served: 15, failures: 0, lastError: null, nextProbeAt: null, updatedAt: T + 500 },
      { url: B, state: "down", outstanding: 1, maxConcurrent: null, served: 2, failures: 3, lastError: "server error 503", nextProbeAt: T + 2_000, updatedAt: T + 500 },
    ]);
  });

  it("a runner's later report replaces its earlier one, not adds to it", () => {
    store.recordEndpoints(id, "run:1", [stat(A, { outstanding: 3, served: 10 })], T);
    store.recordEndpoints(id, "run:1", [stat(A, { outstanding: 1, served: 12 })], T + 1_000);
    expect(store.getExperiment(id, T + 1_000).endpoints).toMatchObject([{ url: A, outstanding: 1, served: 12 }]);
  });

  it("a runner that stopped reporting keeps its totals but no requests in flight, and its down verdict lapses", () => {
    store.recordEndpoints(id, "worker:dead", [stat(A, { outstanding: 4, served: 7 }), stat(B, { state: "down", failures: 5, nextProbeAt: T + 1_000 })], T);
    store.recordEndpoints(id, "worker:live", [stat(A, { outstanding: 1, served: 1 })], T + STALE_MS);
    const later = store.getExperiment(id, T + STALE_MS + 1).endpoints!;
    expect(later.find((e) => e.url === A)).toMatchObject({ state: "up", outstanding: 1, served: 8 });
    expect(later.find((e) => e.url === B)).toMatchObject({ state: "idle", outstanding: 0, failures: 5, nextProbeAt: null });
  });

  it("goes with its experiment (foreign key, on both backends)", () => {
    store.recordEndpoints(id, "run:1", [stat(A, { served: 1 })], T);
    db.prepare("DELETE FROM experiments WHERE id = ?").run(id);
    expect((db.prepare("SELECT COUNT(*) AS n FROM experiment_endpoints").get() as { n: number }).n).toBe(0);
  });
});
