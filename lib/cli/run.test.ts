import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb } from "@/lib/db";
import { datasetFromTraceRecords, ExperimentStore } from "@/lib/experiments";
import { startScriptedServer, type ScriptedServer } from "@/e2e/fixtures/scripted-server";
import { backends, testDbLocation } from "@/lib/db/test-backends";

const ROOT = path.resolve(import.meta.dirname, "../..");
const DIR = mkdtempSync(path.join(tmpdir(), "hintlab-run-"));
const DATASET = path.join(DIR, "r1-math.jsonl");

/**
 * The CLI process itself, as bin/hintlab.mjs starts it: a terminal's Ctrl-C signals the whole
 * process group, so the SIGINT sent here must reach this process, not only the wrapper.
 */
function hintlab(args: string[], onStderr?: (text: string, kill: () => void) => void) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", path.join(ROOT, "lib/cli/main.ts"), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_ENV: "production", TSX_TSCONFIG_PATH: path.join(ROOT, "tsconfig.json") },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => {
      stderr += d;
      onStderr?.(stderr, () => child.kill("SIGINT"));
    });
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

let server: ScriptedServer;
/** Streams at 4000 tokens/s (~1 s per trace), so Ctrl-C lands mid-run. */
let slow: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer({ chunksPerSecond: 0 });
  slow = await startScriptedServer({ chunksPerSecond: 4000 });
  writeFileSync(DATASET, datasetFromTraceRecords(readFileSync(path.join(ROOT, "e2e/fixtures/data/r1-distill-math-40.jsonl"), "utf8"), 6));
});
afterAll(() => Promise.all([server.close(), slow.close()]));

const model = () => ["--base-url", server.baseUrl, "--model", "scripted-r1", "--template", "deepseek-r1"];

describe("hintlab run", () => {
  it("runs dataset × policies into the database and prints the results summary as JSON", async () => {
    const db = path.join(DIR, "a.db");
    const r = await hintlab(["run", "--dataset", DATASET, "--policies", "greedy,paper:rounds=1", "--samples", "1", "--concurrency", "3", ...model(), "--db", db, "--name", "smoke"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { experimentId: string; status: string; results: { policies: { policy: string; n: number; pass1: number; toolCallRate: number }[] } };
    expect(out.status).toBe("finished");
    expect(out.results.policies.map((p) => [p.policy, p.n, p.pass1, p.toolCallRate])).toEqual([
      ["greedy", 6, 1, 0],
      ["paper:rounds=1", 6, 1, 1],
    ]);
    expect(r.stderr).toContain(`[hintlab] experiment ${out.experimentId}`);
    expect(r.stderr).toMatch(/finished: 12\/12 done=12 failed=0/);
    const store = new ExperimentStore(openDb(db));
    expect(store.getExperiment(out.experimentId)).toMatchObject({ name: "smoke", status: "finished" });
    store.db.close();
  });

  it("--base-url repeated spreads the run over the servers (URL@N caps one) and the results count items per server", async () => {
    const db = path.join(DIR, "servers.db");
    const [before, beforeSlow] = [server.requests.length, slow.requests.length];
    const r = await hintlab(["run", "--dataset", DATASET, "--policies", "greedy", "--concurrency", "4", "--max-tokens", "400", "--model", "scripted-r1", "--template", "deepseek-r1", "--base-url", server.baseUrl, "--base-url", `${slow.baseUrl}@1`, "--db", db]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { results: { endpoints: { endpoint: string; done: number; failed: number }[] } };
    const sent = (s: ScriptedServer, from: number) => s.requests.slice(from).filter((q) => q.endpoint === "completions").length;
    const byServer = Object.fromEntries(out.results.endpoints.map((e) => [e.endpoint, [e.done, e.failed]]));
    expect(byServer).toEqual({ [server.baseUrl]: [sent(server, before), 0], [slow.baseUrl]: [sent(slow, beforeSlow), 0] });
    expect(sent(server, before) + sent(slow, beforeSlow)).toBe(6);
    expect(sent(slow, beforeSlow)).toBeGreaterThan(0);
    expect(r.stderr).toContain(`[hintlab] ${slow.baseUrl}: ${sent(slow, beforeSlow)} done, 0 failed`);
  });

  it("--dataset takes a stored dataset by name or bundled key (no file, no import); --limit runs the first N problems", async () => {
    const db = path.join(DIR, "named.db");
    const r = await hintlab(["run", "--dataset", "MATH sample (Level 5)", "--limit", "3", "--policies", "greedy", ...model(), "--db", db]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { experimentId: string; results: { policies: { policy: string; n: number; pass1: number }[] } };
    // The scripted server replays the recorded correct traces of these MATH problems: graded right.
    expect(out.results.policies.map((p) => [p.policy, p.n, p.pass1])).toEqual([["greedy", 3, 1]]);
    const store = new ExperimentStore(openDb(db));
    const exp = store.getExperiment(out.experimentId);
    expect(exp).toMatchObject({ datasetName: "MATH sample (Level 5)", datasetId: expect.stringMatching(/^bundled-math-sample-/) });
    expect(store.listDatasets().filter((d) => !d.bundled)).toEqual([]);
    store.db.close();
    const byKey = await hintlab(["run", "--dataset", "math-sample", "--limit", "1", "--policies", "greedy", ...model(), "--db", db]);
    expect(byKey.code, byKey.stderr).toBe(0);
    expect((JSON.parse(byKey.stdout) as { progress: { done: number } }).progress.done).toBe(1);
  });

  it("--dataset that is neither a file nor a stored dataset lists the stored ones", async () => {
    const r = await hintlab(["run", "--dataset", "aime2024", "--policies", "greedy", ...model(), "--db", path.join(DIR, "unknown.db")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^hintlab run: --dataset aime2024 is neither a file nor a stored dataset; stored datasets: "AIME 2024" \(aime24, 30 problems\), "AMC 2023" \(amc23, 40 problems\), "MATH sample \(Level 5\)" \(math-sample, 10 problems\), "LiveCodeBench sample" \(livecodebench-sample, 24 problems\)\n$/);
    const named = await hintlab(["run", "--dataset", "aime24", "--dataset-name", "x", "--policies", "greedy", ...model()]);
    expect(named.code).toBe(2);
    expect(named.stderr).toMatch(/--dataset-name names an imported file, but there is no file aime24/);
  });

  it("bad input says what to fix", async () => {
    const r = await hintlab(["run", "--dataset", DATASET, "--policies", "paper:rounds=x", ...model()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--policies: policy "paper:rounds=x": rounds must be an integer/);
  });

  it("hintlab datasets import reports bad lines with their numbers", async () => {
    const file = path.join(DIR, "mixed.jsonl");
    writeFileSync(file, `${JSON.stringify({ problem: "1+1?", answer: "2" })}\n{broken\n`);
    const r = await hintlab(["datasets", "import", file, "--db", path.join(DIR, "c.db")]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ imported: 1, errors: [{ line: 2 }] });
    expect(r.stderr).toMatch(/line 2: not valid JSON/);
  });

  it("hintlab datasets import has a limit (--max-bytes, HINTLAB_IMPORT_MAX_BYTES) that says what to do; gold as written", async () => {
    const file = path.join(DIR, "big-numbers.jsonl");
    writeFileSync(file, '{"problem": "p", "answer": 12345678901234567891}\n'.repeat(100));
    const db = path.join(DIR, "limit.db");
    const over = await hintlab(["datasets", "import", file, "--db", db, "--max-bytes", "1000"]);
    expect(over.code).toBe(1);
    expect(over.stderr).toBe(`hintlab datasets: ${file} is 4.8 KB, over the import limit of 1000 bytes; split it or pass --max-bytes (or set HINTLAB_IMPORT_MAX_BYTES)\n`);
    const ok = await hintlab(["datasets", "import", file, "--db", db, "--max-bytes", "100000"]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ imported: 100, errors: [] });
    const store = new ExperimentStore(openDb(db));
    const [dataset] = store.listDatasets();
    expect(store.problems(dataset!.id).problems[0]!.gold).toBe("12345678901234567891");
  });
});

// Interrupting and resuming through the store: on each backend (--db takes a PostgreSQL URL too).
describe.each(backends)("hintlab run (%s)", (backend) => {
  it("Ctrl-C cancels (finished items kept), --resume finishes the rest", async () => {
    const db = testDbLocation(backend, DIR, "b.db");
    let sent = false;
    const slowModel = ["--base-url", slow.baseUrl, "--model", "scripted-r1", "--template", "deepseek-r1"];
    const first = await hintlab(["run", "--dataset", DATASET, "--policies", "greedy", "--concurrency", "1", ...slowModel, "--db", db], (err, kill) => {
      if (!sent && /done=[1-9]/.test(err)) {
        sent = true;
        kill();
      }
    });
    expect(first.code, first.stderr).toBe(130);
    const out = JSON.parse(first.stdout) as { experimentId: string; status: string; progress: { done: number; total: number } };
    expect(out.status).toBe("cancelled");
    expect(out.progress.done).toBeGreaterThan(0);
    expect(out.progress.done).toBeLessThan(6);
    expect(first.stderr).toContain(`hintlab run --resume ${out.experimentId}`);

    const second = await hintlab(["run", "--resume", out.experimentId, "--db", db]);
    expect(second.code, second.stderr).toBe(0);
    const done = JSON.parse(second.stdout) as { status: string; progress: { done: number } };
    expect(done).toMatchObject({ status: "finished", progress: { done: 6 } });
  });
});
