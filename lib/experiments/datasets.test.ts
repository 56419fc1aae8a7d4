import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDb, type Db } from "@/lib/db";
import { backends, testDbLocation, type Backend } from "@/lib/db/test-backends";
import { gradeResponse } from "@/lib/grading";
import { datasetFromTraceRecords, parseDatasetJsonl, parseDatasetStream } from "./datasets";
import { parsePolicyList } from "./policies";
import { ExperimentStore } from "./store";

const ROOT = path.resolve(import.meta.dirname, "../..");
const fixture = (name: string) => readFileSync(path.join(ROOT, "../shared/fixtures/datasets", name), "utf8");

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

describe("dataset import", () => {
  it("AIME 2024: every line a math problem with its gold answer", () => {
    const d = parseDatasetJsonl(fixture("aime24.jsonl"));
    expect(d.errors).toEqual([]);
    expect(d.problems).toHaveLength(30);
    expect(d.problems[0]).toMatchObject({ id: "60", kind: "math", gold: "204" });
    expect(d.problems[0]!.statement).toMatch(/^Every morning Aya/);
  });

  it("AMC 2023: numeric answers become strings, as written in the file", () => {
    const d = parseDatasetJsonl(fixture("amc23.jsonl"));
    expect(d.errors).toEqual([]);
    expect(d.problems).toHaveLength(40);
    // The file says 27.0 (a float column of the benchmark); grading takes it as 27.
    expect(d.problems[0]).toMatchObject({ id: "0", kind: "math", gold: "27.0" });
    expect(gradeResponse(d.problems[0]!, "\\boxed{27}", "").verdict).toBe("correct");
  });

  it("LiveCodeBench: code problems with stdin tests (and starter code when given)", () => {
    const d = parseDatasetJsonl(fixture("livecodebench-sample-24.jsonl"));
    expect(d.errors).toEqual([]);
    expect(d.problems).toHaveLength(24);
    expect(d.problems.every((p) => p.kind === "code" && (p.tests?.length ?? 0) > 0)).toBe(true);
    expect(d.problems[0]!.tests![0]).toEqual({ input: "7 3\n5 2 6 3 1 4 6\n1 2 3 5 7 9 11\n", output: "7 2 3 5 1 9 3\n", type: "stdin" });
  });

  it("question_content / public_test_cases JSON-string variant with functional tests", () => {
    const line = JSON.stringify({
      question_id: "abc1",
      question_content: "Return the sum.",
      starter_code: "class Solution:\n    def f(self, a: int) -> int:\n        ",
      public_test_cases: JSON.stringify([{ input: "3", output: "3", testtype: "functional" }]),
    });
    const d = parseDatasetJsonl(line + "\n");
    expect(d.errors).toEqual([]);
    expect(d.problems[0]).toMatchObject({ id: "abc1", kind: "code", starterCode: expect.stringContaining("class Solution"), tests: [{ input: "3", output: "3", type: "functional" }] });
  });

  it("bad lines are reported with their line number and reason; good ones are kept", () => {
    const text = [
      JSON.stringify({ id: "a", problem: "1+1?", answer: 2 }),
      "{not json",
      "",
      JSON.stringify({ id: "b", question: "no answer here" }),
      JSON.stringify([1, 2]),
      JSON.stringify({ id: "a", problem: "dup", gt: "3" }),
      JSON.stringify({ id: "c", problem: "code", tests: [{ input: "1", output: "1", testtype: "weird" }] }),
      JSON.stringify({ id: "d", prompt: "2+2?", gold: "4" }),
      JSON.stringify({ answer: "5" }),
    ].join("\n");
    const d = parseDatasetJsonl(text);
    expect(d.problems.map((p) => p.id)).toEqual(["a", "d"]);
    expect(d.errors.map((e) => e.line)).toEqual([2, 4, 5, 6, 7, 9]);
    expect(d.errors[0]!.reason).toMatch(/not valid JSON/);
    expect(d.errors[1]!.reason).toMatch(/no gold answer/);
    expect(d.errors[2]!.reason).toMatch(/not a JSON object/);
    expect(d.errors[3]!.reason).toMatch(/duplicate problem id "a"/);
    expect(d.errors[4]!.reason).toMatch(/testtype/);
    expect(d.errors[5]!.reason).toMatch(/no problem statement/);
  });

  it("a number is the gold as written, from the file to the verdict (beyond 2^53, long decimals, 1e400)", async () => {
    const text = [
      '{"problem": "big", "answer": 12345678901234567891}',
      '{"problem": "decimal", "gold": 0.1000000000000000055511151231257827}',
      '{"problem": "huge", "gt": 1e400}',
      '{"problem": "small", "answer": 27, "id": 98765432109876543210}',
    ].join("\n");
    const bytes = Buffer.from(text);
    const streamed = await parseDatasetStream([bytes.subarray(0, 30), bytes.subarray(30)], { maxBytes: 1e6, maxLineBytes: 1e6 });
    expect(streamed).toEqual(parseDatasetJsonl(text));
    expect(streamed.errors).toEqual([]);
    expect(streamed.problems.map((p) => p.gold)).toEqual(["12345678901234567891", "0.1000000000000000055511151231257827", "1e400", "27"]);
    expect(streamed.problems[3]!.id).toBe("98765432109876543210");
    const store = new ExperimentStore(openDb(":memory:"));
    const { dataset } = store.storeDataset(streamed, "big-numbers");
    const [big] = store.problems(dataset!.id).problems;
    expect(big).toMatchObject({ gold: "12345678901234567891", source: "big-numbers" });
    expect(gradeResponse(big!, "\\boxed{12345678901234567891}", "").verdict).toBe("correct");
    expect(gradeResponse(big!, "\\boxed{12345678901234567890}", "").verdict).toBe("incorrect");
  });

  it("a streamed problem set past its limit is refused (413) without reading the rest", async () => {
    let pulled = 0;
    async function* endless() {
      for (;;) {
        pulled++;
        yield Buffer.from('{"problem": "p", "answer": 1}\n'.repeat(100));
      }
    }
    await expect(parseDatasetStream(endless(), { maxBytes: 64 * 1024, maxLineBytes: 1024 })).rejects.toMatchObject({ code: "payload-too-large", message: expect.stringMatching(/HINTLAB_IMPORT_MAX_BYTES/) });
    expect(pulled).toBeLessThan(30);
  });

  it("a dataset from the recorded traces: one problem per distinct problem id, with gold", () => {
    const text = datasetFromTraceRecords(readFileSync(path.join(ROOT, "e2e/fixtures/data/r1-distill-math-40.jsonl"), "utf8"));
    const d = parseDatasetJsonl(text);
    expect(d.errors).toEqual([]);
    expect(d.problems).toHaveLength(10);
    expect(d.problems[0]).toMatchObject({ id: "problem_1591", gold: "6.17" });
  });
});

describe.each(backends)("dataset store (%s)", (b) => {
  beforeEach(() => void (backend = b));

  it("stores datasets and problems; same content again is the same dataset; all-or-nothing refuses bad files", () => {
    const store = new ExperimentStore(freshDb());
    const r = store.importDataset(fixture("aime24.jsonl"), "aime24");
    expect(r.imported).toBe(30);
    expect(r.dataset).toMatchObject({ name: "aime24", problemCount: 30, kinds: { math: 30 } });
    expect(store.importDataset(fixture("aime24.jsonl"), "aime24").dataset!.id).toBe(r.dataset!.id);
    const page = store.problems(r.dataset!.id, 10, 5);
    expect(page.total).toBe(30);
    expect(page.problems).toHaveLength(5);
    const bad = store.importDataset(`${JSON.stringify({ problem: "x", answer: "1" })}\n{oops\n`, "bad", "all-or-nothing");
    expect(bad.dataset).toBeNull();
    expect(bad.errors).toEqual([{ line: 2, reason: expect.stringMatching(/not valid JSON/) }]);
    // One import, beside the problem sets hintlab ships (bundled.test.ts).
    expect(store.listDatasets().filter((d) => !d.bundled)).toHaveLength(1);
  });

  it("experiments get one pending item per (problem, policy, sample)", () => {
    const store = new ExperimentStore(freshDb());
    const ds = store.importDataset(fixture("amc23.jsonl"), "amc23").dataset!;
    const exp = store.createExperiment({ datasetId: ds.id, policies: ["greedy", "paper:rounds=2"], samples: 3 });
    expect(exp.progress).toMatchObject({ total: 40 * 2 * 3, pending: 240, done: 0 });
    expect(exp.policies[1]).toEqual({ label: "paper:rounds=2", policy: { type: "paper", rounds: 2, triggerProb: 0 } });
  });
});

describe("policy labels", () => {
  it("parses greedy, rounds, trigger probability and a fixed hint; rejects the rest", () => {
    expect(parsePolicyList("greedy,paper:rounds=2,paper:rounds=1:p=0.5,paper:rounds=1:hint=math-general").map((p) => p.policy)).toEqual([
      { type: "greedy" },
      { type: "paper", rounds: 2, triggerProb: 0 },
      { type: "paper", rounds: 1, triggerProb: 0.5 },
      { type: "paper", rounds: 1, triggerProb: 0, hintId: "math-general" },
    ]);
    expect(() => parsePolicyList("paper:rounds=x")).toThrow(/rounds/);
    expect(() => parsePolicyList("paper:hint=nope")).toThrow(/not in the Hint-Library/);
    expect(() => parsePolicyList("beam")).toThrow(/expected greedy, paper.* or budget:min=N,max=M/);
    expect(() => parsePolicyList("greedy,greedy")).toThrow(/twice/);
  });
});
