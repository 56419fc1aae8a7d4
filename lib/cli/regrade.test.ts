// `hintlab regrade`: a stopped experiment's finished items graded again with this grader, the
// older grader's verdicts kept beside the new ones.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb, TraceStore } from "@/lib/db";
import { datasetFromTraceRecords, ExperimentStore, runExperiment, SandboxPool, type Grader } from "@/lib/experiments";
import { recordVerdict } from "@/lib/experiments/verdicts";
import { GRADER_VERSION } from "@/lib/grading/version";
import { startScriptedServer, type ScriptedServer } from "@/e2e/fixtures/scripted-server";

const ROOT = path.resolve(import.meta.dirname, "../..");
const DB = path.join(mkdtempSync(path.join(tmpdir(), "hintlab-regrade-")), "t.db");
const keepVerdict: Grader = (_problem, trace) => ({ ...(trace.answer !== undefined ? { answer: trace.answer } : {}), verdict: trace.verdict ?? "ungraded" });

function regrade(...args: string[]) {
  const r = spawnSync(process.execPath, ["--conditions=react-server", "--import", "tsx", path.join(ROOT, "lib/cli/main.ts"), "regrade", ...args, "--db", DB], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_ENV: "production", TSX_TSCONFIG_PATH: path.join(ROOT, "tsconfig.json") },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let server: ScriptedServer;
let id = "";
beforeAll(async () => {
  server = await startScriptedServer({ chunksPerSecond: 4000 });
  const db = openDb(DB);
  const store = new ExperimentStore(db);
  const datasetId = store.importDataset(datasetFromTraceRecords(readFileSync(path.join(ROOT, "e2e/fixtures/data/r1-distill-math-40.jsonl"), "utf8"), 3), "three").dataset!.id;
  id = store.createExperiment({ datasetId, policies: ["greedy"], model: { baseUrl: server.baseUrl, model: "scripted-r1", template: "deepseek-r1" } }).id;
  const pool = new SandboxPool(1);
  await runExperiment({ store, traces: new TraceStore(db), experimentId: id, sandboxes: pool, grade: keepVerdict });
  await pool.dispose();
  db.close();
}, 120_000);
afterAll(() => server.close());

describe("hintlab regrade", () => {
  it("skips what the current grader graded; regrades an older grader's verdicts and keeps them", () => {
    const first = regrade("--experiment", id);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ regrade: { total: 3, done: 3, skipped: 3, changed: 0 }, grading: { current: [GRADER_VERSION], earlier: [] } });

    // As an older grader left them: all wrong, under its version.
    const db = openDb(DB);
    db.prepare("UPDATE experiment_items SET verdict = 'incorrect', grader = 'hintlab-math-0' WHERE experiment_id = ?").run(id);
    for (const it of db.prepare("SELECT problem_id, policy, sample FROM experiment_items WHERE experiment_id = ?").all(id) as { problem_id: string; policy: string; sample: number }[])
      recordVerdict(db, id, { problemId: it.problem_id, policy: it.policy, sample: it.sample }, "hintlab-math-0", "incorrect", null, 1);
    db.close();

    const second = regrade("--experiment", id);
    expect(second.code, second.stderr).toBe(0);
    const out = JSON.parse(second.stdout) as { regrade: object; grading: object; results: { policies: { pass1: number }[] } };
    expect(out.regrade).toEqual({ total: 3, done: 3, skipped: 0, changed: 3 });
    expect(out.grading).toEqual({ current: [GRADER_VERSION], history: ["hintlab-math-0", GRADER_VERSION], earlier: [{ grader: "hintlab-math-0", policies: [{ policy: "greedy", pass1: 0, graded: 3 }] }] });
    expect(out.results.policies[0]!.pass1).toBe(1);
    expect(second.stderr).toContain("regrading 3/3");
  }, 240_000);

  it("says what is wrong: no such experiment, or no --experiment", () => {
    const none = regrade("--experiment", "nope");
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("no experiment nope");
    const missing = regrade();
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--experiment ID is required");
  }, 120_000);
});
