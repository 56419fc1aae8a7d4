import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ACTIVITY_QUOTE_MAX, TraceSchema } from "@/lib/protocol";
import { testTraceConfig } from "@/lib/protocol/__fixtures__/trace-config";
import { listActivity, quote } from "./activity";
import { openDb, type Db } from "./sqlite";
import { traceActivity } from "./trace-activity";
import { TraceStore } from "./traces";
import { backends, testDbLocation } from "./test-backends";

describe.each(backends)("%s", (backend) => {
  // Every annotator write on a real R1-distill trace (e2e fixtures) and what it leaves in the log.
  const row = JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../../e2e/fixtures/data/r1-distill-math-40.jsonl"), "utf8").split("\n")[0]!) as {
    prompt: string;
    completion: string;
    problem: string;
  };
  const MODEL = row.completion;
  const T = 1_800_000_000_000;

  let dir: string;
  let db: Db;
  let store: TraceStore;
  let id: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "hintlab-activity-"));
    db = openDb(testDbLocation(backend, dir, "t.db"));
    store = new TraceStore(db);
    id = store.create(
      {
        problem: { id: "p", kind: "math", statement: row.problem },
        config: testTraceConfig({ template: "deepseek-r1" }),
        segments: [
          { id: "s0", kind: "prompt", text: row.prompt },
          { id: "s1", kind: "model", text: MODEL },
        ],
        events: [{ type: "run-started", at: T - 10 }],
        status: "finished",
        tags: ["r1"],
      },
      T - 5,
    ).id;
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const version = () => store.get(id).version;
  const last = () => listActivity(db, id).at(-1)!;

  describe("annotator writes append to the activity log", () => {
    it("a mark: label, comment, the marked text and its span, by its author, at the write's time", () => {
      const { result: a } = store.addAnnotation(id, { baseVersion: 1, author: "ann", annotation: { segment: 1, start: 25, end: 45, label: "unreasonable", comment: "why?" } }, T);
      expect(listActivity(db, id)).toEqual([
        { seq: 1, at: T, author: "ann", kind: "annotation-added", detail: { annotationId: a.id, label: "unreasonable", comment: "why?", text: MODEL.slice(25, 45), segment: 1, start: 25, end: 45 } },
      ]);
      store.removeAnnotation(id, a.id, { baseVersion: 2, author: "bob" }, T + 1);
      expect(last()).toEqual({ seq: 2, at: T + 1, author: "bob", kind: "annotation-removed", detail: { annotationId: a.id, label: "unreasonable", comment: "why?", text: MODEL.slice(25, 45), segment: 1, start: 25, end: 45 } });
    });

    it("an edit: original → replacement, both cut, and the span; its removal names the same edit", () => {
      const long = "So the rate is the twelfth power of one plus the monthly rate, minus one. ".repeat(5);
      const { result: e } = store.addEdit(id, { baseVersion: 1, author: "ann", edit: { segment: 1, start: 0, end: 300, replacement: long } }, T);
      const added = last();
      expect(added).toMatchObject({ seq: 1, at: T, author: "ann", kind: "edit-added", detail: { editId: e.id, segment: 1, start: 0, end: 300 } });
      expect(added.detail.original).toBe(`${MODEL.slice(0, ACTIVITY_QUOTE_MAX)}…`);
      expect(added.detail.replacement).toBe(`${long.slice(0, ACTIVITY_QUOTE_MAX)}…`);
      store.removeEdit(id, e.id, { baseVersion: 2, author: "bob" }, T + 1);
      expect(last()).toEqual({ ...added, seq: 2, at: T + 1, author: "bob", kind: "edit-removed" });
    });

    it("a review: status, note and the status before; tags: what was added and removed", () => {
      store.setReview(id, { baseVersion: 1, author: "ann", status: "needs-work", note: "the hint came too late" }, T);
      expect(last()).toEqual({ seq: 1, at: T, author: "ann", kind: "review-set", detail: { status: "needs-work", note: "the hint came too late", previous: "unreviewed" } });
      store.setReview(id, { baseVersion: 2, author: "bob", status: "accepted" }, T + 1);
      expect(last()).toMatchObject({ author: "bob", detail: { status: "accepted", previous: "needs-work" } });
      expect(last().detail).not.toHaveProperty("note");
      store.setTags(id, { baseVersion: 3, author: "carol", tags: ["gold", "gold", "checked"] }, T + 2);
      expect(last()).toEqual({ seq: 3, at: T + 2, author: "carol", kind: "tags-set", detail: { added: ["gold", "checked"], removed: ["r1"] } });
      // The write's time is the review's and the version's time too (one clock per write).
      expect(store.get(id)).toMatchObject({ review: { at: T + 1 }, updatedAt: T + 2 });
    });

    it("a refused write appends nothing: stale version, bad span, overlapping edit, unknown id", () => {
      store.addEdit(id, { baseVersion: 1, author: "ann", edit: { segment: 1, start: 10, end: 20, replacement: "x" } }, T);
      const before = listActivity(db, id);
      expect(() => store.setReview(id, { baseVersion: 1, author: "bob", status: "rejected" }, T + 1)).toThrow(/changed since you opened it/);
      expect(() => store.setTags(id, { baseVersion: 1, author: "bob", tags: [] }, T + 1)).toThrow(/changed since you opened it/);
      expect(() => store.addAnnotation(id, { baseVersion: 2, author: "bob", annotation: { segment: 1, start: 0, end: MODEL.length + 1, label: "x", comment: "" } }, T + 1)).toThrow(/outside segment/);
      expect(() => store.addEdit(id, { baseVersion: 2, author: "bob", edit: { segment: 1, start: 15, end: 25, replacement: "y" } }, T + 1)).toThrow(/overlaps another edit/);
      expect(() => store.removeAnnotation(id, "nope", { baseVersion: 2, author: "bob" }, T + 1)).toThrow(/not on this trace/);
      expect(() => store.removeEdit(id, "nope", { baseVersion: 2, author: "bob" }, T + 1)).toThrow(/not on this trace/);
      expect(listActivity(db, id)).toEqual(before);
      expect(version()).toBe(2);
    });

    it("the log goes with its trace", () => {
      store.setReview(id, { baseVersion: 1, author: "ann", status: "accepted" }, T);
      store.delete(id);
      expect(listActivity(db, id)).toEqual([]);
    });
  });

  describe("traceActivity", () => {
    it("a trace's run, what was logged and what an import brought unlogged, oldest first", () => {
      const golden = TraceSchema.parse(JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../export/__golden__/input.jsonl"), "utf8").split("\n")[4]!));
      const { id: imported } = store.create({ ...golden, id: "imported" }, golden.createdAt);
      const at = golden.review!.at! + 1000;
      store.setTags(imported, { baseVersion: 1, author: "ann", tags: ["checked"] }, at);
      const { items } = traceActivity(db, imported, at);
      expect(items.map((i) => `${i.source}:${i.kind}`)).toEqual([
        "run:run-started",
        "run:hint-injected",
        "run:hint-injected",
        "run:run-finished",
        "trace:annotation-added",
        "trace:edit-added",
        "trace:edit-added",
        "trace:review-set",
        "log:tags-set",
      ]);
      // A write through the store is logged once: its mark is not shown again as unlogged.
      store.addAnnotation(imported, { baseVersion: 2, author: "bob", annotation: { segment: 1, start: 0, end: 4, label: "good", comment: "" } }, at + 1);
      const after = traceActivity(db, imported, at + 1).items;
      expect(after.filter((i) => i.kind === "annotation-added").map((i) => `${i.source}:${i.author}`)).toEqual(["trace:annotator", "log:bob"]);
      expect(() => traceActivity(db, "missing")).toThrow(/no trace with id missing/);
    });
  });

  describe("quote", () => {
    it("keeps short text, cuts long text to the limit, never inside a surrogate pair", () => {
      expect(quote("short")).toBe("short");
      expect(quote("a".repeat(ACTIVITY_QUOTE_MAX))).toBe("a".repeat(ACTIVITY_QUOTE_MAX));
      expect(quote("a".repeat(ACTIVITY_QUOTE_MAX - 1) + "𝑟𝑟")).toBe(`${"a".repeat(ACTIVITY_QUOTE_MAX - 1)}…`);
    });
  });
});
