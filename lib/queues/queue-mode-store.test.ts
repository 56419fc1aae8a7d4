import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppError } from "@/lib/protocol";
import { openDb, TraceStore, type Db } from "@/lib/db";
import { createTraceDetailStore, REAPPLIED_NOTICE } from "@/lib/store/trace-detail";
import { testTraceConfig } from "@/lib/protocol/__fixtures__/trace-config";
import { QueueStore } from "./store";
import { QueueWork } from "./work";
import { backends, testDbLocation } from "@/lib/db/test-backends";

// The trace page's store in queue mode against the real QueueWork behind a fetch that routes
// like app/api/queues/[id]/assignments/[aid]/*: reads and writes go to the annotator's own
// assignment, and a write from their other tab is carried over as on traces.
describe.each(backends)("%s", (backend) => {
  let dir: string;
  let db: Db;
  let work: QueueWork;
  let queueId: string;
  let aid: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "hintlab-qstore-"));
    db = openDb(testDbLocation(backend, dir));
    new TraceStore(db).create({
      id: "t1",
      problem: { id: "p", kind: "math", statement: "1+1?", gold: "2" },
      config: testTraceConfig(),
      segments: [
        { id: "s0", kind: "prompt", text: "<p>" },
        { id: "s1", kind: "model", text: "Let me add. One plus one is two. So \\boxed{2}." },
      ],
      events: [],
      status: "finished",
    });
    queueId = new QueueStore(db).create(
      { spec: { name: "Q", instructions: "", labels: ["wrong"], annotators: ["ann"], perItem: 1, overlapShare: 0, assignment: "claim", leaseMinutes: 30, seed: 0 }, source: { type: "filter", filter: {} } },
      "rita",
      new Set(["ann"]),
    ).id;
    work = new QueueWork(db);
    const next = work.next(queueId, "ann");
    if (!("assignment" in next)) throw new Error("no item");
    aid = next.assignment.id;
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const base = () => `/api/queues/${queueId}/assignments/${aid}`;
  const serverFetch = (async (input: string, init: RequestInit = {}) => {
    const body = init.body ? JSON.parse(init.body as string) : {};
    const rest = input.slice(base().length);
    try {
      const out = (() => {
        if (rest === "/trace") return work.trace(queueId, aid, { name: "ann", researcher: false });
        if (rest === "/review") return work.setReview(queueId, aid, { ...body, annotator: "ann" });
        if (rest === "/annotations") return work.addAnnotation(queueId, aid, { ...body, annotator: "ann" });
        if (rest === "/edits") return work.addEdit(queueId, aid, { ...body, annotator: "ann" });
        throw new Error(`unrouted ${input}`);
      })();
      return Response.json(out);
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      return Response.json({ error: { code: e.code, message: e.message } }, { status: e.status });
    }
  }) as unknown as typeof fetch;

  it("reads and writes the assignment, not the trace, and carries a write from another tab over", async () => {
    const store = createTraceDetailStore({ fetch: serverFetch, paths: { read: () => `${base()}/trace`, write: () => base() } });
    await store.getState().actions.load("t1");
    expect(store.getState().trace?.version).toBe(1);
    expect(await store.getState().actions.addAnnotation({ segment: 1, start: 12, end: 32, label: "wrong", comment: "" })).toBe(true);
    // The same annotator in another tab edits; this tab's version is stale now.
    work.addEdit(queueId, aid, { annotator: "ann", baseVersion: 2, edit: { segment: 1, start: 0, end: 11, replacement: "I add." } });
    expect(await store.getState().actions.setReview("accepted", "fine")).toBe(true);
    expect(store.getState().notice).toBe(REAPPLIED_NOTICE);
    const view = work.view(queueId, aid, { name: "ann", researcher: false });
    expect(view.assignment).toMatchObject({ status: "done", work: { review: "accepted", note: "fine" } });
    expect(view.assignment.work.annotations).toHaveLength(1);
    expect(view.assignment.work.edits).toHaveLength(1);
    const trace = new TraceStore(db).get("t1");
    expect(trace.annotations).toHaveLength(0);
    expect(trace.review?.status).toBe("unreviewed");
    expect(new QueueStore(db).finalFor(queueId, "t1")).toMatchObject({ how: "single", review: "accepted", from: ["ann"] });
  });
});
