import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CreateTraceBody, Segment, TraceConfig } from "@/lib/protocol";
import { migrate, openDb, type Db } from "./sqlite";
import { LIVE_TIMEOUT_MS, TraceStore, ftsQuery } from "./traces";
import { MIGRATIONS } from "./migrations";
import { backends, testDbLocation } from "./test-backends";

const config: TraceConfig = {
  provider: "openai-completions",
  model: "Qwen/QwQ-32B",
  template: "qwq",
  sampling: { maxTokens: 1000 },
  triggers: ["Wait"],
  policy: { type: "paper", rounds: 1, triggerProb: 0 },
  maxToolCalls: 6,
  toolTimeoutMs: 1000,
  maxOutputChars: 1000,
  hintLibraryVersion: "t",
  policySeed: 0,
};
const seg = (i: number, kind: Segment["kind"], text: string, extra: Partial<Segment> = {}): Segment => ({ id: `seg-${i}`, kind, text, ...extra });
const body = (over: Partial<CreateTraceBody> = {}): CreateTraceBody => ({
  problem: { id: "p1", kind: "math", statement: "Compute the compound interest rate", gold: "6.17" },
  config,
  segments: [
    seg(1, "prompt", "<prompt>"),
    seg(2, "model", "Let me think. Wait, monthly compounding."),
    seg(3, "hint", "Wait, use Python.\n```python\n", { hintId: "math-general", reason: "end-of-thinking" }),
    seg(4, "model", "print(1.005**12)\n```\n"),
    seg(5, "tool_output", "```output\n1.0617\n```\n"),
    seg(6, "model", "So \\boxed{6.17}"),
  ],
  events: [
    { type: "run-started", at: 1 },
    { type: "hint-injected", at: 2, hintId: "math-general", reason: "end-of-thinking", offset: 10, decidedBy: "policy" },
    { type: "code-executed", at: 3, code: "print(1.005**12)\n", stdout: "1.0617\n", stderr: "", timedOut: false, truncated: false, durationMs: 4 },
    { type: "stream-ended", at: 4, streamId: "stream-1", finishReason: "eos", chars: 20, durationMs: 5, usage: { completionTokens: 42 } },
  ],
  status: "finished",
  answer: "6.17",
  verdict: "correct",
  ...over,
});

describe.each(backends)("%s", (backend) => {
  let dir: string;
  let db: Db;
  let store: TraceStore;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "hintlab-db-"));
    db = openDb(testDbLocation(backend, dir));
    store = new TraceStore(db);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe("migrations", () => {
    it("opens in WAL mode, records applied versions and is idempotent", () => {
      if (backend === "sqlite") expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      const versions = (db.prepare("SELECT version FROM schema_migrations").all() as { version: number }[]).map((r) => r.version);
      expect(versions).toEqual(MIGRATIONS.map((m) => m.version));
      expect(migrate(db)).toBe(MIGRATIONS.length);
    });
    it("refuses a database written by a newer schema", () => {
      db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)").run();
      expect(() => migrate(db)).toThrow(/newer hintlab \(schema 999/);
    });
  });

  describe("TraceStore", () => {
    it("round-trips a trace and derives list columns", () => {
      const t = store.create(body(), 1000);
      expect(store.get(t.id, 1000)).toMatchObject({ segments: body().segments, events: body().events, answer: "6.17", verdict: "correct", version: 1 });
      const { items, total } = store.list({ sort: "created", order: "desc", limit: 10, offset: 0 }, 1000);
      expect(total).toBe(1);
      expect(items[0]).toMatchObject({ model: "Qwen/QwQ-32B", policy: "paper:rounds=1", hintsUsed: ["math-general"], toolCalls: 1, tokens: 42, reviewStatus: "unreviewed" });
    });

    it("round-trips U+0000 in segment, answer and event text (a local model can emit it; PostgreSQL text cannot hold it)", () => {
      const nul = "a\u0000b";
      const t = store.create(
        body({
          problem: { id: "p1", kind: "math", statement: "Compute it", gold: nul },
          segments: [seg(1, "prompt", `<prompt>${nul}`), seg(2, "model", `Let me think.${nul} Wait, monthly compounding.`), seg(3, "tool_output", `\u0000`)],
          events: [{ type: "code-executed", at: 3, code: `print("${nul}")`, stdout: nul, stderr: "", timedOut: false, truncated: false, durationMs: 4 }],
          answer: nul,
        }),
        1000,
      );
      const got = store.get(t.id, 1000);
      expect(got.segments.map((s) => s.text)).toEqual([`<prompt>${nul}`, `Let me think.${nul} Wait, monthly compounding.`, "\u0000"]);
      expect(got.problem.gold).toBe(nul);
      expect(got.answer).toBe(nul);
      expect(got.events[0]).toMatchObject({ stdout: nul });
      const listed = store.list({ sort: "created", order: "desc", limit: 10, offset: 0, q: "monthly" }, 1000);
      expect(listed.items.map((i) => i.id)).toEqual([t.id]);
      // A live append carries it too.
      const live = store.create(body({ segments: [seg(1, "prompt", "<p>")], events: [], status: "generating", answer: undefined, verdict: undefined }), 2000);
      store.liveAppend(live.id, { lease: live.lease!, seq: 1, segmentsFrom: 1, segments: [seg(2, "model", nul)], eventsFrom: 0, events: [], status: "generating" }, 2000);
      expect(store.get(live.id, 2000).segments[1]!.text).toBe(nul);
    });

    it("labels a budget-forcing trace with its canonical policy label", () => {
      store.create(body({ config: { ...config, policy: { type: "budget", minThinking: 100, maxThinking: 200, word: "Hmm" } } }), 1000);
      store.create(body({ config: { ...config, policy: { type: "budget", minThinking: 0, maxThinking: 64, word: "Wait" } } }), 1001);
      const { items } = store.list({ sort: "created", order: "asc", limit: 10, offset: 0 }, 2000);
      expect(items.map((i) => i.policy)).toEqual(["budget:min=100,max=200,word=Hmm", "budget:min=0,max=64"]);
    });

    it("live appends are idempotent and a silent live trace reads as interrupted", () => {
      const t = store.create(body({ segments: [seg(1, "prompt", "<p>")], events: [], status: "generating", answer: undefined, verdict: undefined }), 1000);
      expect(t.lease).toBeDefined();
      const flush = { lease: t.lease!, segmentsFrom: 1, segments: [seg(2, "model", "Hello")], eventsFrom: 0, events: [{ type: "run-started" as const, at: 1 }], status: "generating" as const };
      store.liveAppend(t.id, { ...flush, seq: 1 }, 2000);
      store.liveAppend(t.id, { ...flush, seq: 2 }, 2000);
      store.liveAppend(t.id, { ...flush, seq: 3, segments: [seg(2, "model", "Hello world")], eventsFrom: 1, events: [] }, 3000);
      const got = store.get(t.id, 3000);
      expect(got.segments.map((s) => s.text)).toEqual(["<p>", "Hello world"]);
      expect(got.events).toHaveLength(1);
      expect(got.status).toBe("generating");
      // Live writes leave the annotators' version alone.
      expect(got.version).toBe(1);
      expect(store.get(t.id, 3000 + LIVE_TIMEOUT_MS + 1).status).toBe("interrupted");
      expect(() => store.liveAppend(t.id, { ...flush, seq: 4, segmentsFrom: 5 }, 4000)).toThrow(/resend from 2/);
    });

    it("refuses an annotator write based on a stale version", () => {
      const t = store.create(body());
      const first = store.setReview(t.id, { baseVersion: 1, author: "ann", status: "accepted", note: "good" });
      expect(first.version).toBe(2);
      expect(() => store.setReview(t.id, { baseVersion: 1, author: "bob", status: "rejected" })).toThrow(/changed since you opened it \(your version 1, now 2\)/);
      expect(store.get(t.id).review).toMatchObject({ status: "accepted", note: "good", author: "ann" });
    });

    it("records edits with the original text from the segment, never altering segments", () => {
      const t = store.create(body());
      const { result: e } = store.addEdit(t.id, { baseVersion: 1, author: "ann", edit: { segment: 1, start: 14, end: 40, replacement: "Monthly compounding: r = (1+0.06/12)^12 - 1." } });
      expect(e.original).toBe("Wait, monthly compounding.");
      const got = store.get(t.id);
      expect(got.segments[1]!.text).toBe("Let me think. Wait, monthly compounding.");
      expect(got.edits).toHaveLength(1);
      expect(() => store.addEdit(t.id, { baseVersion: 2, author: "ann", edit: { segment: 2, start: 0, end: 4, replacement: "x" } })).toThrow(/only model text can be edited/);
      expect(() => store.addEdit(t.id, { baseVersion: 2, author: "ann", edit: { segment: 1, start: 20, end: 25, replacement: "x" } })).toThrow(/overlaps another edit/);
      store.removeEdit(t.id, e.id, { baseVersion: 2, author: "ann" });
      expect(store.get(t.id).edits).toEqual([]);
    });

    it("searches problem and trace text, and filters", () => {
      store.create(body());
      store.create(body({ problem: { id: "p2", kind: "math", statement: "How many plates" }, verdict: "incorrect", segments: [seg(1, "prompt", "x"), seg(2, "model", "Alternatively, circular arrangements")] }));
      const ids = (q: Parameters<TraceStore["list"]>[0]) => store.list(q).items.map((i) => i.problemStatement);
      const base = { sort: "created", order: "desc", limit: 10, offset: 0 } as const;
      expect(ids({ ...base, q: "plates" })).toEqual(["How many plates"]);
      expect(ids({ ...base, q: "circul" })).toEqual(["How many plates"]);
      expect(ids({ ...base, q: "monthly compounding" })).toEqual(["Compute the compound interest rate"]);
      expect(ids({ ...base, verdict: "incorrect" })).toEqual(["How many plates"]);
      expect(ids({ ...base, hint: "math-general" })).toEqual(["Compute the compound interest rate"]);
      expect(ftsQuery('a "b" c')).toBe('"a" "b" "c"*');
    });

    it("forks at an offset inside a model segment and keeps the family", () => {
      const t = store.create(body());
      const f = store.fork(t.id, { segment: 1, offset: 14 }, "tester");
      expect(f.parentId).toBe(t.id);
      expect(f.forkAt).toEqual({ segment: 1, offset: 14 });
      expect(f.segments.map((s) => s.text)).toEqual(["<prompt>", "Let me think. "]);
      expect(f.status).toBe("stopped");
      expect(() => store.fork(t.id, { segment: 2, offset: 3 }, "tester")).toThrow(/only model text can be cut inside/);
      const f2 = store.fork(t.id, { segment: 5, offset: 0 }, "tester");
      expect(f2.segments).toHaveLength(5);
      expect(f2.events.some((e) => e.type === "code-executed")).toBe(true);
      expect(store.family(f.id).map((s) => s.id).sort()).toEqual([t.id, f.id, f2.id].sort());
      // The fork tree labels each child with its fork point.
      expect(store.family(t.id).find((s) => s.id === f2.id)?.forkAt).toEqual({ segment: 5, offset: 0 });
      expect(store.list({ sort: "created", order: "desc", limit: 50, offset: 0 }).items.find((s) => s.id === f.id)?.forkAt).toEqual({ segment: 1, offset: 14 });
    });

    it("branches from an alternative token: the text before it, then the alternative, recorded in forkAt", () => {
      const t = store.create(body());
      const alternative = { text: "Hmm", logprob: -1.5, replaced: "Let" };
      const f = store.fork(t.id, { segment: 1, offset: 0, alternative }, "tester");
      expect(f.segments.map((s) => s.text)).toEqual(["<prompt>", "Hmm"]);
      expect(f.forkAt).toEqual({ segment: 1, offset: 0, alternative });
      expect(store.get(f.id).forkAt?.alternative).toEqual(alternative);
      expect(store.family(t.id).find((s) => s.id === f.id)?.forkAt?.alternative?.text).toBe("Hmm");
      expect(() => store.fork(t.id, { segment: 0, offset: 2, alternative }, "tester")).toThrow(/segment 0 is prompt/);
    });
  });
});
