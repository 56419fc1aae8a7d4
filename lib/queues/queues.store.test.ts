import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CreateQueueBody, CreateTraceBody } from "@/lib/protocol";
import { testTraceConfig } from "@/lib/protocol/__fixtures__/trace-config";
import { listActivity, openDb, TraceStore, type Db } from "@/lib/db";
import { QueueStore } from "./store";
import { QueueWork } from "./work";
import { annotatorCounts, queueCounts } from "./counts";
import { backends, testDbLocation } from "@/lib/db/test-backends";

const config = testTraceConfig();
const trace = (i: number, tags: string[] = []): CreateTraceBody => ({
  id: `t${i}`,
  problem: { id: `p${i}`, kind: "math", statement: `Problem ${i}`, gold: "1" },
  config,
  segments: [
    { id: "s0", kind: "prompt", text: "<prompt>" },
    { id: "s1", kind: "model", text: `Let me compute ${i}. Wait, that is wrong. The answer is \\boxed{1}.` },
  ],
  events: [],
  status: "finished",
  tags,
  createdAt: 1000 + i,
});

describe.each(backends)("%s", (backend) => {
  let dir: string;
  let db: Db;
  let queues: QueueStore;
  let work: QueueWork;
  const known = new Set(["ann", "bob", "cy", "rita"]);
  const MIN = 60_000;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "hintlab-queues-"));
    db = openDb(testDbLocation(backend, dir));
    const traces = new TraceStore(db);
    for (let i = 0; i < 6; i++) traces.create(trace(i, i < 4 ? ["rft:exp1"] : []));
    queues = new QueueStore(db);
    work = new QueueWork(db);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const body = (over: Partial<CreateQueueBody["spec"]> = {}, source: CreateQueueBody["source"] = { type: "rft", experimentId: "exp1" }): CreateQueueBody => ({
    spec: { name: "Q", instructions: "", labels: ["wrong", "unclear"], annotators: ["ann", "bob"], perItem: 2, overlapShare: 0.5, assignment: "claim", leaseMinutes: 10, seed: 1, ...over },
    source,
  });

  /** The SQL counts (list, headers) agree with the full report (researcher's page). */
  function consistent(q: string, now: number) {
    const d = queues.detail(q, now);
    const even = d.spec.assignment === "even";
    for (const p of d.progress) {
      expect(annotatorCounts(db, q, p.annotator, even, now), p.annotator).toEqual({ done: p.done, assigned: p.assigned, remaining: p.remaining, skipped: p.skipped });
    }
    expect(queueCounts(db, q)).toEqual({ items: d.items, final: d.final, disagreements: d.disagreementList.filter((x) => !x.adjudicated).length });
  }

  /** Next, then review (done), for one annotator. */
  function reviewNext(q: string, who: string, status: "accepted" | "rejected" | "needs-work", now: number) {
    const n = work.next(q, who, now);
    if (!("assignment" in n)) throw new Error(`${who}: nothing next`);
    work.setReview(q, n.assignment.id, { annotator: who, baseVersion: n.assignment.version, status }, now);
    return n.assignment;
  }

  describe("creating a queue", () => {
    it("takes a Hint-RFT selection with the overlap share, and refuses what it cannot do", () => {
      const q = queues.create(body(), "rita", known, 5);
      expect(q).toMatchObject({ items: 4, final: 0 });
      const items = db.prepare("SELECT trace_id, required FROM queue_items WHERE queue_id = ? ORDER BY idx").all(q.id) as { trace_id: string; required: number }[];
      expect(items.map((i) => i.trace_id)).toEqual(["t0", "t1", "t2", "t3"]);
      expect(items.filter((i) => i.required === 2)).toHaveLength(2);
      expect(() => queues.create(body({ annotators: ["ann", "zed"] }), "rita", known)).toThrow(/no account named "zed"/);
      expect(() => queues.create(body({}, { type: "rft", experimentId: "nope" }), "rita", known)).toThrow(/no Hint-RFT selection/);
      expect(() => queues.create(body({}, { type: "filter", filter: { tag: "none" } }), "rita", known)).toThrow(/matches no traces/);
    });

    it("splits evenly up front: each annotator's Next gives their own items", () => {
      const q = queues.create(body({ assignment: "even", annotators: ["ann", "bob", "cy"], overlapShare: 0 }, { type: "filter", filter: {} }), "rita", known, 5);
      const rows = db.prepare("SELECT annotator, count(*) AS n FROM queue_assignments WHERE queue_id = ? GROUP BY annotator ORDER BY annotator").all(q.id);
      expect(rows).toEqual([{ annotator: "ann", n: 2 }, { annotator: "bob", n: 2 }, { annotator: "cy", n: 2 }]);
      const a = work.next(q.id, "ann", 10);
      expect("assignment" in a && a.assignment.annotator).toBe("ann");
      expect(() => work.next(q.id, "rita", 10)).toThrow(/not an annotator/);
    });
  });

  describe("even split", () => {
    it("lets an annotator who ran out take over an item nobody has opened, never one already opened", () => {
      const q = queues.create(body({ assignment: "even", annotators: ["ann", "bob"], overlapShare: 0, perItem: 1 }, { type: "filter", filter: {} }), "rita", known, 5);
      // bob opens one of his three; ann does all of hers.
      const bobFirst = work.next(q.id, "bob", 10);
      if (!("assignment" in bobFirst)) throw new Error();
      const annDone: number[] = [];
      for (let t = 20; ; t++) {
        const n = work.next(q.id, "ann", t);
        if (!("assignment" in n)) {
          expect(n.message).toMatch(/held by others/);
          break;
        }
        annDone.push(n.assignment.item);
        work.setReview(q.id, n.assignment.id, { annotator: "ann", baseVersion: n.assignment.version, status: "accepted" }, t);
      }
      // Her three, then bob's two unopened ones; bob's open item stays his.
      expect(annDone).toHaveLength(5);
      expect(annDone).not.toContain(bobFirst.assignment.item);
      consistent(q.id, 100);
      const progress = queues.detail(q.id, 100).progress;
      expect(progress.find((p) => p.annotator === "bob")).toMatchObject({ done: 0, assigned: 1, remaining: 1, inProgress: 1 });
    });
  });

  describe("leases", () => {
    it("keep a claimed item off others while they last; an expired one returns to the queue", () => {
      const q = queues.create(body({ overlapShare: 0 }), "rita", known, 5);
      const a = work.next(q.id, "ann", 100);
      const b = work.next(q.id, "bob", 101);
      if (!("assignment" in a) || !("assignment" in b)) throw new Error("expected items");
      expect(b.assignment.item).not.toBe(a.assignment.item);
      consistent(q.id, 150);
      // ann's Next again resumes her open item.
      const again = work.next(q.id, "ann", 200);
      expect("assignment" in again && again.assignment.id).toBe(a.assignment.id);
      // After ann's lease ran out, the first free item is hers again for the taking: bob (whose own lease is live) is given it.
      const later = 200 + 10 * MIN + 1; // her last renewal was at 200
      work.renew(q.id, b.assignment.id, "bob", later - 5);
      work.setReview(q.id, b.assignment.id, { annotator: "bob", baseVersion: b.assignment.version, status: "accepted" }, later);
      const taken = work.next(q.id, "bob", later);
      expect("assignment" in taken && taken.assignment.item).toBe(a.assignment.item);
      // ann's write is refused now, and her row is kept as expired.
      expect(() => work.addAnnotation(q.id, a.assignment.id, { annotator: "ann", baseVersion: a.assignment.version, annotation: { segment: 1, start: 0, end: 3, label: "wrong", comment: "" } }, later + 1)).toThrow(/lease on this item ran out/);
      expect(work.view(q.id, a.assignment.id, { name: "ann", researcher: false }).assignment.status).toBe("expired");
      consistent(q.id, later + 2);
    });

    it("skipping is recorded and the skipped item comes back last", () => {
      const q = queues.create(body({ overlapShare: 0, annotators: ["ann"], perItem: 1 }), "rita", known, 5);
      const first = work.next(q.id, "ann", 10);
      if (!("assignment" in first)) throw new Error();
      work.skip(q.id, first.assignment.id, "ann", 20);
      const order: number[] = [];
      for (let t = 30; ; t++) {
        const n = work.next(q.id, "ann", t);
        if (!("assignment" in n)) break;
        order.push(n.assignment.item);
        work.setReview(q.id, n.assignment.id, { annotator: "ann", baseVersion: n.assignment.version, status: "accepted" }, t);
      }
      expect(order).toEqual([1, 2, 3, 0]);
      consistent(q.id, 100);
      expect(listActivity(db, "t0").map((e) => e.kind)).toEqual(["queue-skip", "queue-review"]);
      expect(queues.detail(q.id, 100).progress[0]).toMatchObject({ annotator: "ann", done: 4, remaining: 0 });
    });
  });

  describe("work, agreement and adjudication", () => {
    it("keeps each annotator's work apart from the trace and from each other", () => {
      const q = queues.create(body({ overlapShare: 1 }), "rita", known, 5);
      const a = work.next(q.id, "ann", 10);
      const b = work.next(q.id, "bob", 10);
      if (!("assignment" in a) || !("assignment" in b)) throw new Error();
      expect(b.assignment.item).toBe(a.assignment.item);
      const r = work.addEdit(q.id, a.assignment.id, { annotator: "ann", baseVersion: 1, edit: { segment: 1, start: 0, end: 3, replacement: "We" } }, 11);
      expect(r.result.original).toBe("Let");
      expect(() => work.addEdit(q.id, a.assignment.id, { annotator: "ann", baseVersion: 1, edit: { segment: 1, start: 5, end: 6, replacement: "x" } }, 12)).toThrow(/changed since you opened it/);
      expect(() => work.addEdit(q.id, a.assignment.id, { annotator: "ann", baseVersion: 2, edit: { segment: 0, start: 0, end: 2, replacement: "x" } }, 12)).toThrow(/only model text/);
      expect(() => work.addEdit(q.id, b.assignment.id, { annotator: "ann", baseVersion: 1, edit: { segment: 1, start: 0, end: 2, replacement: "x" } }, 12)).toThrow(/bob's/);
      expect(work.trace(q.id, a.assignment.id, { name: "ann", researcher: false }).edits).toHaveLength(1);
      expect(work.trace(q.id, b.assignment.id, { name: "bob", researcher: false }).edits).toHaveLength(0);
      expect(new TraceStore(db).get(a.assignment.traceId).edits).toHaveLength(0);
      expect(() => work.view(q.id, a.assignment.id, { name: "bob", researcher: false })).toThrow(/ann's, not yours/);
    });

    it("measures agreement, lists disagreements, and exports the adjudicated version", () => {
      const q = queues.create(body({ overlapShare: 1 }), "rita", known, 5);
      const decisions: [string, string][] = [
        ["accepted", "accepted"],
        ["accepted", "rejected"],
        ["rejected", "rejected"],
        ["accepted", "accepted"],
      ];
      decisions.forEach(([da, db_], k) => {
        const a = reviewNext(q.id, "ann", da as "accepted", 100 + k);
        const b = work.next(q.id, "bob", 100 + k);
        if (!("assignment" in b)) throw new Error();
        expect(b.assignment.item).toBe(a.item);
        if (k === 0) {
          work.addAnnotation(q.id, b.assignment.id, { annotator: "bob", baseVersion: 1, annotation: { segment: 1, start: 0, end: 10, label: "wrong", comment: "" } }, 100);
          work.addAnnotation(q.id, a.id, { annotator: "ann", baseVersion: 2, annotation: { segment: 1, start: 5, end: 15, label: "wrong", comment: "" } }, 100);
        }
        const v = work.view(q.id, b.assignment.id, { name: "bob", researcher: false }).assignment.version;
        work.setReview(q.id, b.assignment.id, { annotator: "bob", baseVersion: v, status: db_ as "accepted" }, 200 + k);
      });
      const d = queues.detail(q.id, 1000);
      // 3 of 4 agree; p(ann accepted) = 3/4, p(bob accepted) = 1/2: pe = 3/8 + 1/8 = 1/2, κ = (3/4 − 1/2)/(1/2) = 1/2.
      expect(d.agreement.kappa).toEqual({ kind: "cohen", value: 0.5, observed: 0.75 });
      expect(d.agreement.spans[0]).toEqual({ label: "wrong", f1: 0.5, chars: 20 });
      expect(d.disagreementList.map((x) => [x.item, x.adjudicated])).toEqual([[1, false]]);
      expect(d).toMatchObject({ final: 3, disagreements: 1 });
      consistent(q.id, 1000);
      expect(d.progress.map((p) => [p.annotator, p.done])).toEqual([["ann", 4], ["bob", 4]]);
      // The library filter: accepted in the queue = items 0 and 3 until item 1 is adjudicated.
      const accepted = () => new TraceStore(db).list({ queue: q.id, sort: "created", order: "asc", limit: 50, offset: 0 }).items.map((t) => t.id);
      expect(accepted()).toEqual(["t0", "t3"]);
      queues.adjudicate(q.id, 1, { choose: "ann" }, "rita", 2000);
      expect(accepted()).toEqual(["t0", "t1", "t3"]);
      expect(queues.detail(q.id).disagreementList[0]).toMatchObject({ item: 1, adjudicated: true });
      expect(listActivity(db, "t1").at(-1)).toMatchObject({ kind: "adjudicated", author: "rita", queueId: q.id });
      // A later change by an annotator does not undo the adjudication.
      const bobRow = queues.item(q.id, 1).assignments.find((a) => a.annotator === "bob")!;
      work.setReview(q.id, bobRow.id, { annotator: "bob", baseVersion: bobRow.version, status: "needs-work" }, 2100);
      expect(queues.finalFor(q.id, "t1")).toMatchObject({ how: "adjudicated", review: "accepted", from: ["ann"] });
      // The overlay used by exports replaces the trace's own review and marks.
      const t0 = queues.overlay(q.id)(new TraceStore(db).get("t0"));
      expect(t0.review).toMatchObject({ status: "accepted", author: "ann, bob" });
      expect(t0.annotations?.map((a) => [a.author, a.start])).toEqual([["ann", 5], ["bob", 0]]);
    });

    it("merges edits from two annotators in adjudication", () => {
      const q = queues.create(body({ overlapShare: 1 }), "rita", known, 5);
      const a = work.next(q.id, "ann", 10);
      const b = work.next(q.id, "bob", 10);
      if (!("assignment" in a) || !("assignment" in b)) throw new Error();
      const ea = work.addEdit(q.id, a.assignment.id, { annotator: "ann", baseVersion: 1, edit: { segment: 1, start: 0, end: 3, replacement: "We" } }, 11).result;
      const eb = work.addEdit(q.id, b.assignment.id, { annotator: "bob", baseVersion: 1, edit: { segment: 1, start: 20, end: 25, replacement: "this" } }, 11).result;
      work.setReview(q.id, a.assignment.id, { annotator: "ann", baseVersion: 2, status: "accepted" }, 12);
      work.setReview(q.id, b.assignment.id, { annotator: "bob", baseVersion: 2, status: "accepted" }, 13);
      expect(queues.finalFor(q.id, a.assignment.traceId)).toBeUndefined();
      const final = queues.adjudicate(q.id, a.assignment.item, { merge: { review: "accepted", edits: [ea.id, eb.id], annotations: [] } }, "rita", 20);
      expect(final.edits.map((e) => e.author)).toEqual(["ann", "bob"]);
      expect(queues.overlay(q.id)(new TraceStore(db).get(a.assignment.traceId)).edits?.map((e) => e.replacement)).toEqual(["We", "this"]);
    });
  });
});
