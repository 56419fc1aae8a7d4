import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppError, type Trace } from "@/lib/protocol";
import { openDb, TraceStore, type Db } from "@/lib/db";
import { createTraceDetailStore, REAPPLIED_NOTICE, type TraceDetailStore } from "./trace-detail";
import { testTraceConfig } from "@/lib/protocol/__fixtures__/trace-config";
import { backends, testDbLocation } from "@/lib/db/test-backends";

// The store against the real TraceStore (each backend, on a temp database) behind a fetch that routes like
// app/api/traces/[id]/*: the 409s are the server's own, not a stub's idea of them.
const row = JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../../e2e/fixtures/data/r1-distill-math-40.jsonl"), "utf8").split("\n")[0]!) as {
  prompt: string;
  completion: string;
  problem: string;
};
const MODEL = row.completion;

describe.each(backends)("%s", (backend) => {
  let dir: string;
  let db: Db;
  let server: TraceStore;
  let id: string;

  function serverFetch(author: string): typeof fetch {
    return (async (input: string, init: RequestInit = {}) => {
      const body = init.body ? JSON.parse(init.body as string) : {};
      const m = /^\/api\/traces\/([^/]+)(?:\/(\w+)(?:\/([^/]+))?)?$/.exec(input)!;
      const [tid, what, sub] = [decodeURIComponent(m[1]!), m[2], m[3] && decodeURIComponent(m[3])];
      try {
        const out = (() => {
          if (!what) return server.get(tid);
          if (what === "review") return server.setReview(tid, { ...body, author });
          if (what === "tags") return server.setTags(tid, { ...body, author });
          if (what === "annotations") return sub ? server.removeAnnotation(tid, sub, { ...body, author }) : server.addAnnotation(tid, { ...body, author });
          if (what === "edits") return sub ? server.removeEdit(tid, sub, { ...body, author }) : server.addEdit(tid, { ...body, author });
          throw new Error(`unrouted ${input}`);
        })();
        return Response.json(out);
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        return Response.json({ error: { code: e.code, message: e.message } }, { status: e.status });
      }
    }) as unknown as typeof fetch;
  }

  /** Bob, another annotator, writing straight to the server on the version he sees. */
  const bob = {
    version: () => server.get(id).version,
    edit: (start: number, end: number, replacement: string) => server.addEdit(id, { baseVersion: bob.version(), author: "bob", edit: { segment: 1, start, end, replacement } }).result,
    review: (status: "rejected" | "accepted", note: string) => server.setReview(id, { baseVersion: bob.version(), author: "bob", status, note }),
    mark: () => server.addAnnotation(id, { baseVersion: bob.version(), author: "bob", annotation: { segment: 1, start: 100, end: 120, label: "good tool use", comment: "" } }),
    tags: (tags: string[]) => server.setTags(id, { baseVersion: bob.version(), author: "bob", tags }),
  };

  let store: TraceDetailStore;
  const s = () => store.getState();
  const stored = (): Trace => server.get(id);

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "hintlab-detail-"));
    db = openDb(testDbLocation(backend, dir));
    server = new TraceStore(db);
    id = server.create({
      problem: { id: "p", kind: "math", statement: row.problem },
      config: testTraceConfig({ provider: "scripted", template: "deepseek-r1", sampling: { maxTokens: 100 }, maxToolCalls: 0, maxOutputChars: 100 }),
      segments: [
        { id: "s0", kind: "prompt", text: row.prompt },
        { id: "s1", kind: "model", text: MODEL },
      ],
      events: [],
      status: "finished",
      tags: ["odd"],
    }).id;
    store = createTraceDetailStore({ fetch: serverFetch("alice") });
    await s().actions.load(id);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe("edit dialog through a 409", () => {
    it("re-applies the typed replacement on the latest version when someone else wrote elsewhere, and says so", async () => {
      s().actions.openEdit({ segment: 1, start: 25, end: 45 });
      s().actions.setEditReplacement("a clearer sentence");
      bob.mark();
      expect(await s().actions.saveEdit()).toBe(true);
      expect(stored().edits).toMatchObject([{ author: "alice", start: 25, end: 45, replacement: "a clearer sentence", original: MODEL.slice(25, 45) }]);
      expect(stored().annotations).toHaveLength(1);
      expect(s().notice).toBe(REAPPLIED_NOTICE);
      expect(s().editDraft).toBeUndefined();
      expect(s().trace!.version).toBe(stored().version);
      // The re-applied edit is undoable like any other.
      expect(s().undo).toHaveLength(1);
      await s().actions.undoEdit();
      expect(stored().edits).toEqual([]);
    });

    it("keeps the draft and shows both when someone edited the same text; keep mine replaces theirs", async () => {
      s().actions.openEdit({ segment: 1, start: 25, end: 45 });
      s().actions.setEditReplacement("my wording");
      const theirs = bob.edit(30, 60, "bob's wording");
      expect(await s().actions.saveEdit()).toBe(false);
      expect(s().editDraft).toMatchObject({ replacement: "my wording", open: true });
      expect(s().conflict).toMatchObject({ canKeepMine: true, theirs: { kind: "edits", edits: [{ id: theirs.id, replacement: "bob's wording" }] } });
      // Closing the dialog does not throw the text away; a reload of the trace neither.
      s().actions.closeEdit();
      await s().actions.load(id);
      s().actions.openEdit({ segment: 1, start: 0, end: 5 });
      expect(s().editDraft).toMatchObject({ start: 25, end: 45, replacement: "my wording", open: true });

      expect(await s().actions.keepMine()).toBe(true);
      expect(stored().edits).toMatchObject([{ author: "alice", start: 25, end: 45, replacement: "my wording" }]);
      expect(s().conflict).toBeUndefined();
      expect(s().editDraft).toBeUndefined();
    });

    it("keep mine saves the replacement as typed after the conflict was shown, not as it was at the 409", async () => {
      s().actions.openEdit({ segment: 1, start: 25, end: 45 });
      s().actions.setEditReplacement("my wording");
      bob.edit(30, 60, "bob's wording");
      await s().actions.saveEdit();
      s().actions.setEditReplacement("my wording, after reading bob's");
      expect(await s().actions.keepMine()).toBe(true);
      expect(stored().edits).toMatchObject([{ author: "alice", replacement: "my wording, after reading bob's" }]);
      expect(s().editDraft).toBeUndefined();
    });

    it("take theirs drops the draft and leaves their edit; Reload re-applies once their edit is gone", async () => {
      s().actions.openEdit({ segment: 1, start: 25, end: 45 });
      s().actions.setEditReplacement("my wording");
      const theirs = bob.edit(30, 60, "bob's wording");
      await s().actions.saveEdit();
      s().actions.takeTheirs();
      expect(s().editDraft).toBeUndefined();
      expect(stored().edits).toMatchObject([{ id: theirs.id }]);

      s().actions.openEdit({ segment: 1, start: 25, end: 29 });
      s().actions.setEditReplacement("again");
      await s().actions.saveEdit();
      expect(s().conflict).toBeUndefined();
      expect(stored().edits).toHaveLength(2);

      s().actions.openEdit({ segment: 1, start: 61, end: 70 });
      s().actions.setEditReplacement("third");
      const other = bob.edit(65, 80, "bob again");
      await s().actions.saveEdit();
      expect(s().conflict?.theirs).toMatchObject({ kind: "edits", edits: [{ id: other.id }] });
      server.removeEdit(id, other.id, { baseVersion: bob.version(), author: "bob" });
      await s().actions.reloadConflict();
      expect(s().conflict).toBeUndefined();
      expect(s().notice).toBe(REAPPLIED_NOTICE);
      expect(stored().edits!.map((e) => e.replacement).sort()).toEqual(["again", "bob's wording", "third"]);
    });

    it("an unchanged dialog closes without a draft; a changed one is kept closed until discarded", () => {
      s().actions.openEdit({ segment: 1, start: 25, end: 45 });
      s().actions.closeEdit();
      expect(s().editDraft).toBeUndefined();
      s().actions.openEdit({ segment: 1, start: 25, end: 45 });
      s().actions.setEditReplacement("x");
      s().actions.closeEdit();
      expect(s().editDraft).toMatchObject({ replacement: "x", open: false });
      s().actions.discardEdit();
      expect(s().editDraft).toBeUndefined();
    });
  });

  describe("review, marks and tags through a 409", () => {
    it("re-applies a review (note included) when only something else changed", async () => {
      s().actions.setReviewNote("clean derivation");
      bob.mark();
      expect(await s().actions.setReview("accepted", s().reviewNote)).toBe(true);
      expect(stored().review).toMatchObject({ status: "accepted", note: "clean derivation", author: "alice" });
      expect(s().notice).toBe(REAPPLIED_NOTICE);
      expect(s().reviewNote).toBeUndefined();
    });

    it("shows both reviews when someone else reviewed meanwhile; the typed note survives; keep mine saves it", async () => {
      s().actions.setReviewNote("clean derivation");
      bob.review("rejected", "wrong rounding");
      expect(await s().actions.setReview("accepted", s().reviewNote)).toBe(false);
      expect(s().conflict).toMatchObject({ change: { kind: "review", status: "accepted", note: "clean derivation" }, theirs: { review: { status: "rejected", note: "wrong rounding", author: "bob" } } });
      expect(s().reviewNote).toBe("clean derivation");
      expect(await s().actions.keepMine()).toBe(true);
      expect(stored().review).toMatchObject({ status: "accepted", note: "clean derivation", author: "alice" });
    });

    it("keep mine on a review conflict sends the note as typed since", async () => {
      s().actions.setReviewNote("clean derivation");
      bob.review("rejected", "wrong rounding");
      await s().actions.setReview("accepted", s().reviewNote);
      s().actions.setReviewNote("clean derivation; the rounding is right (6.17)");
      expect(await s().actions.keepMine()).toBe(true);
      expect(stored().review).toMatchObject({ status: "accepted", note: "clean derivation; the rounding is right (6.17)" });
    });

    it("take theirs on a review conflict shows their note again", async () => {
      s().actions.setReviewNote("clean derivation");
      bob.review("rejected", "wrong rounding");
      await s().actions.setReview("accepted", s().reviewNote);
      s().actions.takeTheirs();
      expect(s().reviewNote).toBeUndefined();
      expect(s().trace!.review).toMatchObject({ status: "rejected", note: "wrong rounding" });
    });

    it("re-applies a mark with its comment, and merges tags with someone else's", async () => {
      bob.tags(["odd", "bob-tag"]);
      expect(await s().actions.addAnnotation({ segment: 1, start: 0, end: 20, label: "repetitive", comment: "restates the problem" })).toBe(true);
      expect(stored().annotations).toMatchObject([{ author: "alice", start: 0, end: 20, comment: "restates the problem" }]);
      bob.tags(["odd", "bob-tag", "long"]);
      // Alice saw ["odd", "bob-tag"] (reloaded after her mark): she removes "odd", adds "gold".
      expect(await s().actions.setTags(["bob-tag", "gold"])).toBe(true);
      expect(stored().tags).toEqual(["bob-tag", "long", "gold"]);
    });

    it("a refusal that is not a stale version (an overlapping edit on the same version) is a conflict with both, not a retry loop", async () => {
      const theirs = bob.edit(30, 60, "bob's wording");
      await s().actions.load(id);
      expect(await s().actions.addEdit({ segment: 1, start: 25, end: 45, replacement: "mine" })).toBe(false);
      expect(s().conflict?.theirs).toMatchObject({ kind: "edits", edits: [{ id: theirs.id }] });
    });
  });
});
