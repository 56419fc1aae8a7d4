// The thin routes of /api/datasets and /api/experiments on a temp database (each backend) and the
// scripted model server; the runner itself is tested in runner.test.ts.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { GET as listDatasets } from "@/app/api/datasets/route";
import { POST as importDataset } from "@/app/api/datasets/import/route";
import { GET as problems } from "@/app/api/datasets/[id]/problems/route";
import { DELETE as deleteDataset } from "@/app/api/datasets/[id]/route";
import { GET as listExperiments, POST as createExperiment } from "@/app/api/experiments/route";
import { GET as getExperiment } from "@/app/api/experiments/[id]/route";
import { POST as cancel } from "@/app/api/experiments/[id]/cancel/route";
import { POST as resume } from "@/app/api/experiments/[id]/resume/route";
import { POST as regrade } from "@/app/api/experiments/[id]/regrade/route";
import { getDb } from "@/lib/db";
import { GRADER_VERSION } from "@/lib/grading/version";
import type { GradingInfo } from "./registry";
import { recordVerdict } from "./verdicts";
import type { DatasetImportResult, DatasetSummary, ExperimentSummary, ProblemPage } from "@/lib/protocol";
import { startScriptedServer, type ScriptedServer } from "@/e2e/fixtures/scripted-server";
import { datasetFromTraceRecords } from "./datasets";
import type { ExperimentResults } from "./results";
import { backends, closeSharedDb, stubTestDbEnv } from "@/lib/db/test-backends";

const ROOT = path.resolve(import.meta.dirname, "../..");
const DATASET = datasetFromTraceRecords(readFileSync(path.join(ROOT, "e2e/fixtures/data/r1-distill-math-40.jsonl"), "utf8"), 4);
const NDJSON = { "content-type": "application/x-ndjson" };
const JSON_TYPE = { "content-type": "application/json" };
const params = (id: string) => ({ params: Promise.resolve({ id }) });
type Detail = ExperimentSummary & { results: ExperimentResults; grading: GradingInfo };

let slow: ScriptedServer;
beforeAll(async () => {
  slow = await startScriptedServer({ chunksPerSecond: 4000 });
  // The experiment names the server's connection; the browser never sends a URL.
  vi.stubEnv("HINTLAB_BASE_URL", slow.baseUrl);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await slow.close();
});

async function until(id: string, done: (d: Detail) => boolean): Promise<Detail> {
  for (;;) {
    const d = (await (await getExperiment(new Request("http://localhost"), params(id))).json()) as Detail;
    if (done(d)) return d;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(backends)("/api/datasets and /api/experiments (%s)", (backend) => {
  let datasetId = "";
  beforeAll(() => stubTestDbEnv(vi.stubEnv, backend, mkdtempSync(path.join(tmpdir(), "hintlab-exp-api-"))));
  afterAll(() => closeSharedDb());

  it("imports a JSONL body, reports bad lines, lists datasets and pages problems", async () => {
    const res = await importDataset(new Request("http://localhost/api/datasets/import?name=r1-4", { method: "POST", headers: NDJSON, body: DATASET + "{bad\n" }));
    expect(res.status).toBe(200);
    const report = (await res.json()) as DatasetImportResult;
    expect(report).toMatchObject({ imported: 4, errors: [{ line: 5 }], dataset: { name: "r1-4", problemCount: 4 } });
    datasetId = report.dataset!.id;
    // The import first, then the four problem sets hintlab ships (seeded on first use, read-only).
    const listed = (await (await listDatasets(new Request("http://localhost/api/datasets"))).json()) as DatasetSummary[];
    expect(listed.map((d) => d.bundled?.key ?? d.name)).toEqual(["r1-4", "aime24", "amc23", "math-sample", "livecodebench-sample"]);
    const page = (await (await problems(new Request("http://localhost?offset=1&limit=2"), params(datasetId))).json()) as ProblemPage;
    expect(page.total).toBe(4);
    expect(page.problems.map((p) => p.id)).toEqual(["problem_2189", "problem_2236"]);
    const bundled = listed.find((d) => d.bundled?.key === "aime24")!;
    const refused = await deleteDataset(new Request(`http://localhost/api/datasets/${bundled.id}`, { method: "DELETE" }), params(bundled.id));
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { reason: string } }).error.reason).toBe("bundled");
    const spare = ((await (await importDataset(new Request("http://localhost/api/datasets/import?name=spare", { method: "POST", headers: NDJSON, body: DATASET }))).json()) as DatasetImportResult).dataset!;
    expect((await deleteDataset(new Request(`http://localhost/api/datasets/${spare.id}`, { method: "DELETE" }), params(spare.id))).status).toBe(204);
    expect((await problems(new Request("http://localhost"), params(spare.id))).status).toBe(404);
    const none = await importDataset(new Request("http://localhost/api/datasets/import", { method: "POST", headers: NDJSON, body: "{bad\n" }));
    expect(none.status).toBe(400);
  });

  it("creates and runs an experiment in the background; cancel keeps finished items; resume finishes", async () => {
    const res = await createExperiment(
      new Request("http://localhost/api/experiments", {
        method: "POST",
        headers: JSON_TYPE,
        body: JSON.stringify({ datasetId, policies: ["greedy"], samples: 2, concurrency: 1, model: { connection: "server", model: "scripted-r1", template: "deepseek-r1" } }),
      }),
    );
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as ExperimentSummary;
    await until(id, (d) => d.progress.done >= 1);
    const cancelled = (await (await cancel(new Request("http://localhost"), params(id))).json()) as ExperimentSummary;
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.progress.running).toBe(0);
    expect(cancelled.progress.done).toBeLessThan(8);
    const list = (await (await listExperiments(new Request("http://localhost/api/experiments"))).json()) as ExperimentSummary[];
    expect(list.map((e) => e.id)).toEqual([id]);

    expect((await resume(new Request("http://localhost"), params(id))).status).toBe(200);
    const finished = await until(id, (d) => d.status === "finished");
    expect(finished.progress).toMatchObject({ total: 8, done: 8, failed: 0 });
    expect(finished.results.policies[0]).toMatchObject({ policy: "greedy", n: 8, pass1: 1 });
    expect((await resume(new Request("http://localhost"), params(id))).status).toBe(409);

    // Issue 15: the results state their grader; a regrade with a newer grader keeps both verdicts.
    expect(finished.grading).toMatchObject({ current: [GRADER_VERSION], history: [GRADER_VERSION], earlier: [] });
    const regraded = async (query = "") => {
      expect((await regrade(new Request(`http://localhost/api/experiments/${id}/regrade${query}`, { method: "POST" }), params(id))).status).toBe(202);
      return until(id, (d) => d.grading.regrade?.running === false);
    };
    expect((await regraded()).grading.regrade).toMatchObject({ total: 8, done: 8, skipped: 8, changed: 0 }); // already current
    // As if an older grader had called them all wrong: its verdicts, recorded under its version.
    const db = getDb();
    db.prepare("UPDATE experiment_items SET verdict = 'incorrect', grader = 'hintlab-math-0' WHERE experiment_id = ?").run(id);
    for (const it of db.prepare("SELECT problem_id, policy, sample FROM experiment_items WHERE experiment_id = ?").all(id) as { problem_id: string; policy: string; sample: number }[])
      recordVerdict(db, id, { problemId: it.problem_id, policy: it.policy, sample: it.sample }, "hintlab-math-0", "incorrect", "0", 1);
    const stale = (await (await getExperiment(new Request("http://localhost"), params(id))).json()) as Detail;
    expect(stale.grading.current).toEqual(["hintlab-math-0"]);
    const after = await regraded();
    expect(after.grading.regrade).toMatchObject({ total: 8, done: 8, skipped: 0, changed: 8 });
    expect(after.grading.current).toEqual([GRADER_VERSION]);
    expect(after.grading.history).toEqual(["hintlab-math-0", GRADER_VERSION]);
    expect(after.grading.earlier).toEqual([{ grader: "hintlab-math-0", policies: [{ policy: "greedy", pass1: 0, graded: 8 }] }]);
    expect(after.results.policies[0]).toMatchObject({ policy: "greedy", pass1: 1 });
    // force: every item again, nothing changes.
    expect((await regraded("?force=1")).grading.regrade).toMatchObject({ done: 8, skipped: 0, changed: 0 });
  });

  it("bad bodies are 400 with the field; unknown ids 404", async () => {
    const bad = await createExperiment(new Request("http://localhost", { method: "POST", headers: JSON_TYPE, body: JSON.stringify({ datasetId, policies: [] }) }));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/policies/);
    const badPolicy = await createExperiment(new Request("http://localhost", { method: "POST", headers: JSON_TYPE, body: JSON.stringify({ datasetId, policies: ["paper:rounds=x"] }) }));
    expect(badPolicy.status).toBe(400);
    expect((await getExperiment(new Request("http://localhost"), params("nope"))).status).toBe(404);
  });

  it("refuses a base URL from the client (SSRF) and says to choose a connection", async () => {
    const res = await createExperiment(
      new Request("http://localhost", { method: "POST", headers: JSON_TYPE, body: JSON.stringify({ datasetId, policies: ["greedy"], model: { baseUrl: "http://169.254.169.254/latest", model: "m" } }) }),
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/choose a connection/);
    // Nor a list of them (several servers of one model are for the CLI and HINTLAB_BASE_URL).
    const list = await createExperiment(
      new Request("http://localhost", { method: "POST", headers: JSON_TYPE, body: JSON.stringify({ datasetId, policies: ["greedy"], model: { endpoints: [{ baseUrl: "http://169.254.169.254/latest" }], model: "m" } }) }),
    );
    expect(list.status).toBe(400);
    expect(((await list.json()) as { error: { message: string } }).error.message).toMatch(/^model\.endpoints: choose a connection/);
    expect(((await (await listExperiments(new Request("http://localhost/api/experiments"))).json()) as unknown[]).length).toBe(1);
  });

  it("refuses a body sent as text/plain (what a cross-site form can send)", async () => {
    const res = await createExperiment(new Request("http://localhost", { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify({ datasetId, policies: ["greedy"] }) }));
    expect(res.status).toBe(415);
  });

  it("imports a multipart upload (name after the file), gold as written; 413 past the limit while streaming", async () => {
    const form = new FormData();
    form.set("file", new Blob(['{"id": "big", "problem": "p", "answer": 12345678901234567891}\n']), "big.jsonl");
    form.set("name", "big-numbers");
    const res = await importDataset(new Request("http://localhost/api/datasets/import", { method: "POST", body: form }));
    expect(res.status).toBe(200);
    const report = (await res.json()) as DatasetImportResult;
    expect(report.dataset).toMatchObject({ name: "big-numbers", problemCount: 1 });
    const page = (await (await problems(new Request("http://localhost"), params(report.dataset!.id))).json()) as ProblemPage;
    expect(page.problems[0]).toMatchObject({ id: "big", gold: "12345678901234567891" });

    vi.stubEnv("HINTLAB_IMPORT_MAX_BYTES", String(64 * 1024));
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++;
        c.enqueue(new TextEncoder().encode('{"problem": "p", "answer": 1}\n'.repeat(300)));
      },
    });
    const big = await importDataset(new Request("http://localhost/api/datasets/import?name=endless", { method: "POST", headers: NDJSON, body: endless, duplex: "half" } as RequestInit));
    vi.stubEnv("HINTLAB_IMPORT_MAX_BYTES", "");
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { message: string } }).error.message).toBe("the file is larger than the import limit of 64 KB; split it into smaller files (or raise HINTLAB_IMPORT_MAX_BYTES)");
    expect(pulled).toBeLessThan(20);
  });
});
