// Claims of experiment items by several workers (workers.ts) on each backend: two owners never
// get the same item, a gone owner's running items are taken over, a live one's never. On
// PostgreSQL a claim is `FOR UPDATE SKIP LOCKED`: a second connection claiming while the first
// one's claim is still uncommitted gets other items at once instead of waiting for it.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { currentOwner, OWNER_TIMEOUT_MS, openDb, type Db } from "@/lib/db";
import { backends, testDbLocation } from "@/lib/db/test-backends";
import { datasetFromTraceRecords } from "./datasets";
import { ExperimentStore } from "./store";
import { claimItems, joinWorker } from "./workers";

const ROOT = path.resolve(import.meta.dirname, "../..");
const RECORDS = readFileSync(path.join(ROOT, "e2e/fixtures/data/r1-distill-math-40.jsonl"), "utf8");
const key = (i: { problem_id: string; policy: string; sample: number }) => `${i.problem_id}/${i.policy}/${i.sample}`;

describe.each(backends)("%s", (backend) => {
  let dir: string;
  let a: Db;
  let b: Db;
  let id: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "hintlab-workers-"));
    const where = testDbLocation(backend, dir);
    // Two connections to one database, as two worker processes have (each its own owner).
    a = openDb(where);
    b = openDb(where);
    const store = new ExperimentStore(a);
    const datasetId = store.importDataset(datasetFromTraceRecords(RECORDS, 3), "r1-math-3").dataset!.id;
    id = store.createExperiment({ datasetId, policies: ["greedy"], samples: 2, concurrency: 2, model: { baseUrl: "http://127.0.0.1:9/v1", model: "m", template: "deepseek-r1" }, maxTokens: 1000 }).id;
    // As if on two machines: an owner on this host with this pid but another id reads as dead.
    a.prepare("UPDATE owners SET host = 'machine-a' WHERE id = ?").run(currentOwner(a));
    b.prepare("UPDATE owners SET host = 'machine-b' WHERE id = ?").run(currentOwner(b));
    joinWorker(a, id, 2);
    joinWorker(b, id, 2);
  });
  afterEach(() => {
    a.close();
    b.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("hands each item to one worker, in the experiment's order, until none is left", () => {
    const first = claimItems(a, id, 2);
    const second = claimItems(b, id, 3);
    const third = claimItems(a, id, 5);
    expect(first.map((i) => i.sample)).toEqual([0, 0]);
    expect(first).toHaveLength(2);
    expect(second).toHaveLength(3);
    expect(third).toHaveLength(1);
    const all = [...first, ...second, ...third].map(key);
    expect(new Set(all).size).toBe(6);
    expect(claimItems(b, id, 5)).toEqual([]);
  });

  it("takes over the running items of a worker gone silent, never those of a live one", () => {
    const held = claimItems(a, id, 2).map(key);
    // a, seen from b (another machine), is alive while it heartbeats and gone after OWNER_TIMEOUT_MS of silence.
    const rest = claimItems(b, id, 10).map(key);
    expect(rest).toHaveLength(4);
    expect(rest.some((k) => held.includes(k))).toBe(false);
    const taken = claimItems(b, id, 10, Date.now() + OWNER_TIMEOUT_MS + 1000).map(key);
    expect(taken.sort()).toEqual([...held].sort());
  });

  it.runIf(backend === "postgres")("PostgreSQL: a claim skips the rows another claim holds locked instead of waiting", () => {
    // a's claim stays open (uncommitted) while b claims: b must neither block nor see a's items.
    const both = a.transaction(() => {
      // A claim that waited for a's row locks could never return here (one thread holds both
      // connections): the bridge's statement timeout would throw instead.
      return { mine: claimItems(a, id, 2).map(key), theirs: claimItems(b, id, 2).map(key) };
    })();
    expect(both.mine).toHaveLength(2);
    expect(both.theirs).toHaveLength(2);
    expect(both.theirs.some((k) => both.mine.includes(k))).toBe(false);
  });
});
