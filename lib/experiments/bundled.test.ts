import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDb, type Db } from "@/lib/db";
import { backends, testDbLocation, type Backend } from "@/lib/db/test-backends";
import { gradeResponse } from "@/lib/grading";
import { ProblemSchema, type Problem } from "@/lib/protocol";
import { bundledDatasets, seedBundledDatasets } from "./bundled";
import { datasetFromTraceRecords } from "./datasets";
import { resolveDatasetRef } from "./dataset-ref";
import { ExperimentStore } from "./store";

const ROOT = path.resolve(import.meta.dirname, "../..");
const bundledRows = (store: ExperimentStore) => store.db.prepare("SELECT id, bundled FROM datasets WHERE bundled IS NOT NULL ORDER BY id").all();

// Store tests run on each backend: a fresh database per test (SQLite in memory, as before; a new
// PostgreSQL schema), closed after it.
let backend: Backend = "sqlite";
const opened: Db[] = [];
const freshDb = () => {
  const db = openDb(backend === "sqlite" ? ":memory:" : testDbLocation(backend, ""));
  opened.push(db);
  return db;
};
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});

describe.each(backends)("bundled datasets (%s)", (b) => {
  beforeEach(() => void (backend = b));

  it("a fresh database lists the four shipped sets, ready to run: gold answers for math, tests for code", () => {
    const store = new ExperimentStore(freshDb());
    const listed = store.listDatasets();
    expect(listed.map((d) => [d.bundled?.key, d.name, d.problemCount, d.kinds])).toEqual([
      ["aime24", "AIME 2024", 30, { math: 30 }],
      ["amc23", "AMC 2023", 40, { math: 40 }],
      ["math-sample", "MATH sample (Level 5)", 10, { math: 10 }],
      ["livecodebench-sample", "LiveCodeBench sample", 24, { code: 24 }],
    ]);
    expect(listed.every((d) => d.bundled!.license && d.bundled!.source)).toBe(true);
    const problems = listed.flatMap((d) => store.problems(d.id).problems);
    expect(problems.filter((p) => p.kind === "math" && !p.gold?.trim())).toEqual([]);
    expect(problems.filter((p) => p.kind === "code" && !p.tests?.length)).toEqual([]);
    expect(new Set(problems.map((p) => p.id)).size).toBe(problems.length);
    const [aime, amc, math, lcb] = listed.map((d) => store.problems(d.id).problems);
    expect(aime![0]).toMatchObject({ id: "aime24-60", gold: "204", source: expect.stringMatching(/^AIME 2024 via QwenLM\/Qwen2.5-Math.*\(MIT\)$/) });
    // The benchmark writes AMC answers as floats (27.0): the grader takes a model's 27 as right.
    expect(amc![0]).toMatchObject({ id: "amc23-0", gold: "27" });
    expect(gradeResponse(amc![0]!, "so \\boxed{27}", "").verdict).toBe("correct");
    expect(gradeResponse(aime![0]!, "so \\boxed{205}", "").verdict).toBe("incorrect");
    expect(math![0]).toMatchObject({ id: "math-problem_1591", gold: "6.17" });
    // Functional LiveCodeBench problems keep the starter code the code grader calls into.
    const functional = lcb!.filter((p) => p.tests!.some((t) => t.type === "functional"));
    expect(functional.length).toBeGreaterThan(0);
    expect(functional.every((p) => p.starterCode?.includes("class Solution"))).toBe(true);
  });

  it("seeding is idempotent: again on the same connection, on a second one, or with two racing, one row per set", () => {
    const file = testDbLocation(backend, mkdtempSync(path.join(tmpdir(), "hintlab-bundled-")));
    const a = openDb(file);
    const b = openDb(file);
    expect(seedBundledDatasets(a).added).toHaveLength(4);
    expect(seedBundledDatasets(a)).toEqual({ added: [], removed: [] });
    expect(seedBundledDatasets(b)).toEqual({ added: [], removed: [] });
    const store = new ExperimentStore(b);
    expect(bundledRows(store)).toHaveLength(4);
    expect(store.db.prepare("SELECT COUNT(*) AS n FROM problems").get()).toEqual({ n: 30 + 40 + 10 + 24 });
    a.close();
    b.close();
  });

  it("a user's dataset of the same name is left alone, and importing the same content makes the user's own copy", () => {
    const store = new ExperimentStore(freshDb());
    const text = readFileSync(path.join(ROOT, "datasets/aime24.json"), "utf8");
    const lines = (JSON.parse(text) as unknown[]).map((r) => JSON.stringify(r)).join("\n");
    const mine = store.importDataset(JSON.stringify({ problem: "my own 1+1?", answer: "2" }), "AIME 2024", "valid", 1000).dataset!;
    const copy = store.importDataset(lines, "AIME 2024", "valid", 2000).dataset!;
    expect(copy.bundled).toBeUndefined();
    expect(copy.id).not.toBe(mine.id);
    seedBundledDatasets(store.db);
    expect(store.problems(mine.id).problems.map((p) => p.statement)).toEqual(["my own 1+1?"]);
    expect(store.listDatasets().filter((d) => d.name === "AIME 2024").map((d) => d.bundled?.key ?? d.problemCount)).toEqual([30, 1, "aime24"]);
  });

  it("names resolve: id, bundled key, exact name, name in any case; a shared name is refused with the ids; unknown lists what is stored", () => {
    const store = new ExperimentStore(freshDb());
    const aime = bundledDatasets().find((b) => b.key === "aime24")!;
    expect(resolveDatasetRef(store, aime.id).id).toBe(aime.id);
    expect(resolveDatasetRef(store, "aime24").id).toBe(aime.id);
    expect(resolveDatasetRef(store, "AIME 2024").id).toBe(aime.id);
    expect(resolveDatasetRef(store, "livecodebench sample").bundled?.key).toBe("livecodebench-sample");
    const mine = store.importDataset(JSON.stringify({ problem: "1+1?", answer: "2" }), "mine").dataset!;
    expect(resolveDatasetRef(store, "mine").id).toBe(mine.id);
    expect(() => resolveDatasetRef(store, "nope")).toThrow(/no stored dataset "nope"; stored datasets: "mine" \(id [\w-]+, 1 problem\), "AIME 2024" \(aime24, 30 problems\), .*"LiveCodeBench sample"/);
    store.importDataset(JSON.stringify({ problem: "2+2?", answer: "4" }), "MINE");
    expect(resolveDatasetRef(store, "MINE").problemCount).toBe(1);
    expect(() => resolveDatasetRef(store, "Mine")).toThrow(/2 datasets are named "\w+"; give one by id/);
  });

  it("an earlier release's version of a set is removed when unused and kept (unlisted, still readable) while an experiment uses it", () => {
    const store = new ExperimentStore(freshDb());
    const insertOld = (id: string) => {
      store.db.prepare("INSERT INTO datasets (id, name, content_hash, problem_count, created_at, bundled) VALUES (?, 'AIME 2024', 'old', 1, 0, 'aime24')").run(id);
      store.db.prepare("INSERT INTO problems (dataset_id, idx, problem_id, kind, json) VALUES (?, 0, 'aime24-60', 'math', ?)").run(id, JSON.stringify({ id: "aime24-60", kind: "math", statement: "old", gold: "1" }));
    };
    insertOld("bundled-aime24-00000000");
    insertOld("bundled-aime24-11111111");
    const exp = store.createExperiment({ datasetId: "bundled-aime24-11111111", policies: ["greedy"] });
    expect(seedBundledDatasets(store.db).removed).toEqual(["bundled-aime24-00000000"]);
    expect(store.listDatasets().map((d) => d.id)).not.toContain("bundled-aime24-11111111");
    expect(store.getExperiment(exp.id).datasetName).toBe("AIME 2024");
    expect(store.problemMap("bundled-aime24-11111111").get("aime24-60")?.statement).toBe("old");
  });

  it("deleting: an import goes with its problems; a bundled set is read-only; a dataset an experiment uses stays", () => {
    const store = new ExperimentStore(freshDb());
    const mine = store.importDataset(JSON.stringify({ problem: "1+1?", answer: "2" }), "mine").dataset!;
    const used = store.importDataset(JSON.stringify({ problem: "2+2?", answer: "4" }), "used").dataset!;
    store.createExperiment({ datasetId: used.id, policies: ["greedy"] });
    const aime = resolveDatasetRef(store, "aime24");
    expect(() => store.deleteDataset(aime.id)).toThrow(expect.objectContaining({ code: "conflict", reason: "bundled", message: '"AIME 2024" ships with hintlab and is read-only' }));
    expect(() => store.deleteDataset(used.id)).toThrow(expect.objectContaining({ code: "conflict", reason: "in-use" }));
    store.deleteDataset(mine.id);
    expect(store.listDatasets().map((d) => d.name)).toEqual(["used", "AIME 2024", "AMC 2023", "MATH sample (Level 5)", "LiveCodeBench sample"]);
    expect(store.db.prepare("SELECT COUNT(*) AS n FROM problems WHERE dataset_id = ?").get(mine.id)).toEqual({ n: 0 });
    // Removed behind hintlab's back, a bundled set comes back with the next seeding.
    store.db.prepare("DELETE FROM datasets WHERE id = ?").run(aime.id);
    expect(seedBundledDatasets(store.db).added).toEqual([aime.id]);
  });

  it("an experiment starts from a bundled set with no import, over its first N problems when limited", () => {
    const store = new ExperimentStore(freshDb());
    const math = resolveDatasetRef(store, "math-sample");
    const exp = store.createExperiment({ datasetId: math.id, policies: ["greedy", "paper:rounds=1"], problemLimit: 3 });
    expect(exp.progress.total).toBe(6);
    expect([...new Set(store.items(exp.id).map((i) => i.problemId))]).toEqual(["math-problem_1591", "math-problem_2189", "math-problem_2236"]);
    expect(store.createExperiment({ datasetId: math.id, policies: ["greedy"], problemLimit: 1000 }).progress.total).toBe(10);
  });

});

describe("bundled datasets: the files", () => {
  it("the playground's bundled problems are the same problems as the datasets' (statement, gold, tests, starter code)", () => {
    const playground = (JSON.parse(readFileSync(path.join(ROOT, "public/problems/bundled.json"), "utf8")) as { problems: unknown[] }).problems.map((p) => ProblemSchema.parse(p));
    const byId = new Map(bundledDatasets().flatMap((d) => d.problems.map((p) => [p.id, p] as const)));
    const pick = (p: Problem) => ({ statement: p.statement, kind: p.kind, gold: p.gold, tests: p.tests, starterCode: p.starterCode });
    const mismatched = playground.filter((p) => JSON.stringify(pick(p)) !== JSON.stringify(pick(byId.get(p.id) ?? p)) || !byId.has(p.id)).map((p) => p.id);
    expect(mismatched).toEqual([]);
  });

  it("the MATH sample is the recorded traces' problems with their gold answers (the scripted model server knows them)", () => {
    const fromTraces = datasetFromTraceRecords(readFileSync(path.join(ROOT, "e2e/fixtures/data/r1-distill-math-40.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { id: string; problem: string; answer: string });
    const sample = bundledDatasets().find((d) => d.key === "math-sample")!.problems;
    expect(sample.map((p) => [p.id, p.statement, p.gold])).toEqual(fromTraces.map((t) => [`math-${t.id}`, t.problem, t.answer]));
  });

  // Provenance: the shipped records are the upstream ones, unchanged (only where ../shared exists).
  const shared = path.resolve(ROOT, "../shared/fixtures/datasets");
  it.skipIf(!existsSync(shared))("the shipped records equal the source files record by record", () => {
    for (const [file, upstream] of [
      ["aime24.json", "aime24.jsonl"],
      ["amc23.json", "amc23.jsonl"],
      ["livecodebench-sample.json", "livecodebench-sample-24.jsonl"],
    ] as const) {
      const ours = JSON.parse(readFileSync(path.join(ROOT, "datasets", file), "utf8")) as unknown[];
      const theirs = readFileSync(path.join(shared, upstream), "utf8").trim().split("\n").map((l) => JSON.parse(l) as unknown);
      expect(ours, file).toEqual(theirs);
    }
  });
});
