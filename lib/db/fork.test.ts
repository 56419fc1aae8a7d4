import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createScriptedLogprobs } from "@/e2e/fixtures/scripted-logprobs";
import { exportTrace } from "@/lib/export";
import { selectTraceText } from "@/lib/engine";
import { unpackLogprobs, type CreateTraceBody, type TokenLogprob } from "@/lib/protocol";
import { testTraceConfig } from "@/lib/protocol/__fixtures__/trace-config";
import { listActivity } from "./activity";
import { openDb, type Db } from "./sqlite";
import { TraceStore } from "./traces";
import { backends, testDbLocation } from "./test-backends";

describe.each(backends)("%s", (backend) => {
  // "Correct and continue" on the server: a fork from an edit of a real R1-distill trace (MATH
  // 1591), whose thinking writes the compound-interest formula as `^n t` instead of `^{nt}`.
  const ROW = JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../../e2e/fixtures/data/r1-distill-math-40.jsonl"), "utf8").split("\n")[0]!) as {
    problem: string;
    prompt: string;
    completion: string;
    gold_answer: string;
  };
  const WRONG = "\\[ A = P \\left(1 + \\frac{r}{n}\\right)^n t \\]";
  const RIGHT = "\\[ A = P \\left(1 + \\frac{r}{n}\\right)^{nt} \\]";
  const START = ROW.completion.indexOf(WRONG);
  const END = START + WRONG.length;

  const body = (): CreateTraceBody => ({
    problem: { id: "math-1591", kind: "math", statement: ROW.problem, gold: ROW.gold_answer },
    config: testTraceConfig({ template: "raw" }),
    segments: [
      { id: "seg-1", kind: "prompt", text: ROW.prompt },
      { id: "seg-2", kind: "model", text: ROW.completion },
    ],
    events: [
      { type: "run-started", at: 1 },
      { type: "stream-ended", at: 2, streamId: "stream-1", finishReason: "eos", chars: ROW.completion.length, durationMs: 5 },
      { type: "run-finished", at: 3, reason: "eos" },
    ],
    status: "finished",
    tags: ["exp:e1"],
  });

  let dir: string;
  let db: Db;
  let store: TraceStore;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "hintlab-fork-"));
    db = openDb(testDbLocation(backend, dir, "t.db"));
    store = new TraceStore(db);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The parent with the formula corrected by "ann" (and, with `later`, a second edit after it). */
  function edited(later = false) {
    const t = store.create(body());
    const fix = store.addEdit(t.id, { baseVersion: t.version, author: "ann", edit: { segment: 1, start: START, end: END, replacement: RIGHT } });
    if (!later) return { trace: store.get(t.id), edit: fix.result };
    store.addEdit(t.id, { baseVersion: fix.version, author: "bob", edit: { segment: 1, start: END + 100, end: END + 120, replacement: "(later edit)" } });
    return { trace: store.get(t.id), edit: fix.result };
  }

  describe("TraceStore.fork from an edit", () => {
    it("stores the edited text up to the end of the edit, records the edit in forkAt, and leaves the parent as it was", () => {
      const { trace, edit } = edited(true);
      const fork = store.fork(trace.id, { edit: edit.id }, "rita");
      expect(fork.parentId).toBe(trace.id);
      expect(fork.status).toBe("stopped");
      expect(fork.forkAt).toEqual({ segment: 1, offset: END, edit: { id: edit.id, author: "ann" } });
      expect(fork.segments).toEqual([
        { id: "seg-1", kind: "prompt", text: ROW.prompt },
        { id: "seg-2", kind: "model", text: ROW.completion.slice(0, START) },
        { id: `${edit.id}@edit`, kind: "edit", text: RIGHT, original: WRONG, editId: edit.id, author: "ann" },
      ]);
      // What the model will be asked to continue: the prompt and exactly the corrected text.
      expect(selectTraceText(fork.segments)).toBe(ROW.prompt + ROW.completion.slice(0, START) + RIGHT);
      expect(fork.events.map((e) => e.type)).toEqual(["run-started"]);
      // The text after the edit (the later edit's span, </think>) is the model's to write again.
      expect(selectTraceText(fork.segments)).not.toContain("</think>");
      expect(fork.edits).toEqual([]);
      expect(fork.tags).toEqual(["exp:e1"]);

      const parent = store.get(trace.id);
      expect(parent.edits).toEqual(trace.edits);
      expect(parent.segments).toEqual(trace.segments);
      expect(parent.version).toBe(trace.version);
      // The fork tree's summary carries the edit, so it can say what the branch is.
      expect(store.family(trace.id).find((s) => s.id === fork.id)?.forkAt?.edit).toEqual({ id: edit.id, author: "ann" });
    });

    it("is read back by the engine and exported as trained text with its author, like model text", () => {
      const { trace, edit } = edited();
      const fork = store.fork(trace.id, { edit: edit.id }, "rita");
      const [record] = exportTrace(fork, "segments") as { segments: { kind: string; train: boolean; author?: string; editId?: string }[] }[];
      expect(record!.segments.map((s) => [s.kind, s.train])).toEqual([
        ["prompt", false],
        ["model", true],
        ["edit", true],
      ]);
      expect(record!.segments[2]).toMatchObject({ author: "ann", editId: edit.id });
      const [trl] = exportTrace(fork, "trl") as { prompt: string; completion: string; completion_char_mask: number[][] }[];
      expect(trl!.completion).toBe(ROW.completion.slice(0, START) + RIGHT);
      expect(trl!.completion_char_mask).toEqual([[0, trl!.completion.length, 1]]);
    });

    it("logs `forked` on the parent and `forked-from` on the fork, by the user who forked, for ordinary forks too", () => {
      const { trace, edit } = edited();
      const fork = store.fork(trace.id, { edit: edit.id }, "rita", 1000);
      const plain = store.fork(trace.id, { segment: 1, offset: 40 }, "sam", 2000);
      const parentLog = listActivity(db, trace.id).filter((a) => a.kind === "forked");
      expect(parentLog).toEqual([
        { seq: expect.any(Number), at: 1000, author: "rita", kind: "forked", detail: { child: fork.id, at: { segment: 1, offset: END }, edit: edit.id } },
        { seq: expect.any(Number), at: 2000, author: "sam", kind: "forked", detail: { child: plain.id, at: { segment: 1, offset: 40 } } },
      ]);
      expect(listActivity(db, fork.id)).toEqual([
        { seq: 1, at: 1000, author: "rita", kind: "forked-from", detail: { parent: trace.id, at: { segment: 1, offset: END }, edit: edit.id } },
      ]);
      expect(listActivity(db, plain.id)).toEqual([{ seq: 1, at: 2000, author: "sam", kind: "forked-from", detail: { parent: trace.id, at: { segment: 1, offset: 40 } } }]);
    });

    it("refuses an edit that is not on the trace, and then writes nothing (no trace, no log entry)", () => {
      const { trace } = edited();
      const before = store.family(trace.id).length;
      expect(() => store.fork(trace.id, { edit: "no-such-edit" }, "rita")).toThrow(/edit no-such-edit is not on trace/);
      expect(() => store.fork(trace.id, { segment: 1, offset: ROW.completion.length + 1 }, "rita")).toThrow(/past the end/);
      expect(store.family(trace.id)).toHaveLength(before);
      expect(listActivity(db, trace.id).filter((a) => a.kind === "forked")).toEqual([]);
    });

    it("refuses an edit of a trace that ran on a chat endpoint: its template would move the <think> tags around the correction", () => {
      const t = store.create({ ...body(), config: testTraceConfig({ provider: "openai-chat" }) });
      const { result: e } = store.addEdit(t.id, { baseVersion: t.version, author: "ann", edit: { segment: 1, start: START, end: END, replacement: RIGHT } });
      expect(() => store.fork(t.id, { edit: e.id }, "rita")).toThrow(/ran on a chat endpoint.*needs a raw completions endpoint/);
      expect(store.family(t.id)).toHaveLength(1);
      // A fork at a point continues through chat as before.
      expect(store.fork(t.id, { segment: 1, offset: START }, "rita").parentId).toBe(t.id);
    });

    it("copies token probabilities only where the text is still the parent's: before the edit's start", () => {
      const { trace, edit } = edited();
      let start = 0;
      const tokens: TokenLogprob[] = createScriptedLogprobs(5)
        .next(ROW.completion, 3)
        .map((t) => {
          const token = { start, ...t };
          start += t.text.length;
          return token;
        });
      store.putLogprobs(trace.id, 1, tokens);
      const fork = store.fork(trace.id, { edit: edit.id }, "rita");
      const copied = store.logprobs(fork.id).map((s) => ({ segment: s.segment, tokens: unpackLogprobs(s.packed) }));
      expect(copied.map((s) => s.segment)).toEqual([1]);
      const kept = copied[0]!.tokens;
      expect(kept.map((t) => t.text).join("")).toBe(ROW.completion.slice(0, kept.at(-1)!.start + kept.at(-1)!.text.length));
      expect(kept.length).toBe(tokens.filter((t) => t.start + t.text.length <= START).length);
      expect(kept.every((t) => t.start + t.text.length <= START)).toBe(true);
    });
  });
});
