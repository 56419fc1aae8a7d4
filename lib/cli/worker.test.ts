// `hintlab worker`: several processes share one experiment through the database. Two workers
// and a third killed mid-run (SIGKILL, as a machine that dies): every item runs to the end
// exactly once, the killed worker's in-flight items are taken over, none is lost or doubled.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb } from "@/lib/db";
import { datasetFromTraceRecords, ExperimentStore } from "@/lib/experiments";
import { startScriptedServer, type ScriptedServer } from "@/e2e/fixtures/scripted-server";
import { backends, testDbLocation } from "@/lib/db/test-backends";

const ROOT = path.resolve(import.meta.dirname, "../..");
const DIR = mkdtempSync(path.join(tmpdir(), "hintlab-worker-"));

function worker(args: string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", path.join(ROOT, "lib/cli/main.ts"), "worker", ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_ENV: "production", TSX_TSCONFIG_PATH: path.join(ROOT, "tsconfig.json"), ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d));
  child.stderr!.on("data", (d: Buffer) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

let server: ScriptedServer;
beforeAll(async () => {
  // ~0.7 s per trace, so the kill lands while the third worker holds items.
  server = await startScriptedServer({ chunksPerSecond: 4000 });
});
afterAll(() => server.close());

describe.each(backends)("hintlab worker (%s)", (backend) => {
  it("two workers and a killed third share one experiment: no item run twice or lost", async () => {
    const location = testDbLocation(backend, DIR, "shared.db");
    const db = openDb(location);
    const store = new ExperimentStore(db);
    const records = readFileSync(path.join(ROOT, "e2e/fixtures/data/r1-distill-math-40.jsonl"), "utf8");
    const datasetId = store.importDataset(datasetFromTraceRecords(records, 8), "r1-math-8").dataset!.id;
    const exp = store.createExperiment({
      datasetId,
      policies: ["greedy"],
      samples: 3,
      concurrency: 2,
      model: { baseUrl: server.baseUrl, model: "scripted-r1", template: "deepseek-r1" },
      maxTokens: 32_000,
    });
    const total = 24;
    const requestsBefore = server.requests.length;
    // SQLite by --db FILE; PostgreSQL as the README says, HINTLAB_DATABASE_URL in every worker's environment.
    const args = ["--experiment", exp.id, "--concurrency", "2", ...(backend === "sqlite" ? ["--db", location] : [])];
    const env: Record<string, string> = backend === "postgres" ? { HINTLAB_DATABASE_URL: location } : {};
    const victim = worker(args, env);
    // The victim holds items before the others start, so some are surely in flight when it dies.
    const held = () =>
      db
        .prepare("SELECT problem_id, policy, sample FROM experiment_items i JOIN experiment_workers w ON w.owner_id = i.worker AND w.experiment_id = i.experiment_id WHERE i.experiment_id = ? AND w.pid = ? AND i.status = 'running'")
        .all(exp.id, victim.child.pid) as { problem_id: string; policy: string; sample: number }[];
    const deadline = Date.now() + 60_000;
    while (held().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const a = worker(args, env);
    const b = worker(args, env);
    // Let all three work a little, then kill the victim with items in flight.
    await new Promise((r) => setTimeout(r, 1200));
    let inFlight = held();
    while (inFlight.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      inFlight = held();
    }
    expect(inFlight.length).toBeGreaterThan(0);
    victim.child.kill("SIGKILL");
    // A worker that never ends fails the test with what it and the database say, not a bare timeout
    // (it hung twice in ~20 runs under heavy load, cause unknown: this is to find out).
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const state = db.prepare("SELECT status, worker, COUNT(*) AS n FROM experiment_items WHERE experiment_id = ? GROUP BY status, worker").all(exp.id);
        for (const w of [a, b, victim]) w.child.kill("SIGKILL");
        reject(new Error(`workers did not finish in 150 s; items ${JSON.stringify(state)}; exit codes a=${a.child.exitCode} b=${b.child.exitCode} victim=${victim.child.signalCode}`));
      }, 150_000);
    });
    const [ra, rb, rv] = await Promise.race([Promise.all([a.done, b.done, victim.done]), stuck]).finally(() => clearTimeout(timer));
    expect(rv.signal).toBe("SIGKILL");
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);

    const items = store.items(exp.id);
    expect(items).toHaveLength(total);
    expect(items.every((it) => it.status === "done" && it.verdict === "correct" && it.traceId)).toBe(true);
    // One trace per item, no more: the victim's unfinished work left nothing behind.
    expect(new Set(items.map((it) => it.traceId)).size).toBe(total);
    const traces = db.prepare("SELECT COUNT(*) AS n FROM traces WHERE tags LIKE ?").get(`%"exp:${exp.id}"%`) as { n: number };
    expect(traces.n).toBe(total);
    // The victim's in-flight items were taken over and finished by the others.
    const workers = store.getExperiment(exp.id).workers!;
    expect(workers).toHaveLength(3);
    const victimRow = workers.find((w) => w.pid === victim.child.pid)!;
    expect(victimRow.state).toBe("gone");
    expect(workers.filter((w) => w.pid !== victim.child.pid).every((w) => w.state === "left" && w.done > 0)).toBe(true);
    expect(workers.reduce((n, w) => n + w.done, 0)).toBe(total);
    const finishedBy = db.prepare("SELECT worker FROM experiment_items WHERE experiment_id = ? AND problem_id = ? AND policy = ? AND sample = ?");
    for (const k of inFlight) expect((finishedBy.get(exp.id, k.problem_id, k.policy, k.sample) as { worker: string }).worker).not.toBe(victimRow.id);
    // Requests: one per item, plus the victim's lost work — its 2 items in flight and those it
    // finished in its last ~100 ms, whose writes were still batched (WriteQueue) when it died.
    const completions = server.requests.slice(requestsBefore).filter((r) => r.endpoint === "completions").length;
    expect(completions).toBeGreaterThanOrEqual(total);
    expect(completions).toBeLessThanOrEqual(total + 5);
    expect(store.getExperiment(exp.id).status).toBe("finished");
    db.close();
  }, 180_000);

  it("refuses an unknown experiment with a message that says so", async () => {
    const r = await worker(["--experiment", "nope", "--db", testDbLocation(backend, DIR, "empty.db")]).done;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no experiment nope");
  });
});
