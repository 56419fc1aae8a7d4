import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb, TraceStore } from "@/lib/db";
import { QueueStore } from "@/lib/queues/store";
import { QueueWork } from "@/lib/queues/work";
import { testTraceConfig } from "@/lib/protocol/__fixtures__/trace-config";
import { backends, dbEnv, testDbLocation } from "@/lib/db/test-backends";

// `hintlab export --queue ID`: accepted in the queue, each trace as the queue's final version,
// edit records naming their author and the queue; an unknown queue is a one-line error.
const ROOT = path.resolve(import.meta.dirname, "../..");
describe.each(backends)("%s", (backend) => {
  let dir: string;
  let db: string;
  let queueId: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "hintlab-cli-queue-"));
    db = testDbLocation(backend, dir);
    const d = openDb(db);
    const traces = new TraceStore(d);
    for (const i of [0, 1]) {
      traces.create({
        id: `t${i}`,
        problem: { id: `p${i}`, kind: "math", statement: `Problem ${i}`, gold: "2" },
        config: testTraceConfig(),
        segments: [
          { id: "s0", kind: "prompt", text: "<p>" },
          { id: "s1", kind: "model", text: "Let me see. One plus one is two. \\boxed{2}" },
        ],
        events: [],
        status: "finished",
        createdAt: 10 + i,
      });
    }
    queueId = new QueueStore(d).create(
      { spec: { name: "CLI queue", instructions: "", labels: ["wrong"], annotators: ["ann"], perItem: 1, overlapShare: 0, assignment: "even", leaseMinutes: 30, seed: 0 }, source: { type: "filter", filter: {} } },
      "rita",
      new Set(["ann"]),
    ).id;
    const work = new QueueWork(d);
    for (const status of ["accepted", "rejected"] as const) {
      const n = work.next(queueId, "ann");
      if (!("assignment" in n)) throw new Error("no item");
      work.addEdit(queueId, n.assignment.id, { annotator: "ann", baseVersion: 1, edit: { segment: 1, start: 0, end: 11, replacement: `Fixed (${status}).` } });
      work.setReview(queueId, n.assignment.id, { annotator: "ann", baseVersion: 2, status });
    }
    d.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const hintlab = (args: string[]) => spawnSync(process.execPath, [path.join(ROOT, "bin/hintlab.mjs"), ...args], { cwd: ROOT, encoding: "utf8", env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_ENV: "production", ...dbEnv(db), HINTLAB_DATA_DIR: dir } });

  it("exports the accepted items of a queue as their final version", () => {
    const r = hintlab(["export", "--format", "edits", "--queue", queueId]);
    expect(r.status, r.stderr).toBe(0);
    const records = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ traceId: "t0", original: "Let me see.", replacement: "Fixed (accepted).", author: "ann", review: "accepted", queue: { id: queueId, name: "CLI queue" } });
    // The trace's own edits are untouched: without --queue there is nothing to export.
    expect(hintlab(["export", "--format", "edits"]).stdout).toBe("");
    const unknown = hintlab(["export", "--format", "edits", "--queue", "nope"]);
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toMatch(/no annotation queue with id nope/);
  });
});
