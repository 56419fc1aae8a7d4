import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createScriptedLogprobs } from "@/e2e/fixtures/scripted-logprobs";
import { LOGPROB_MAX_ERROR, unpackLogprobs, type CreateTraceBody, type LiveAppendBody, type Segment, type TokenLogprob } from "@/lib/protocol";
import { testTraceConfig } from "@/lib/protocol/__fixtures__/trace-config";
import { openDb, type Db } from "./sqlite";
import { TraceStore } from "./traces";
import { backends, testDbLocation } from "./test-backends";

describe.each(backends)("%s", (backend) => {
  const ROOT = path.resolve(import.meta.dirname, "../..");
  const COMPLETION = (JSON.parse(readFileSync(path.join(ROOT, "e2e/fixtures/data/r1-distill-math-40.jsonl"), "utf8").split("\n")[0]!) as { completion: string }).completion;
  const TEXT = COMPLETION.slice(0, 3000);

  /** The scripted server's tokens of `text`, at their offsets. */
  function tokensOf(text: string): TokenLogprob[] {
    let start = 0;
    return createScriptedLogprobs(3).next(text, 5).map((t) => {
      const token = { start, ...t };
      start += t.text.length;
      return token;
    });
  }
  const TOKENS = tokensOf(TEXT);

  const seg = (i: number, kind: Segment["kind"], text: string): Segment => ({ id: `seg-${i}`, kind, text });
  const body = (over: Partial<CreateTraceBody> = {}): CreateTraceBody => ({
    problem: { id: "p1", kind: "math", statement: "What is 6*7?", gold: "42" },
    config: testTraceConfig(),
    segments: [seg(1, "prompt", "<p>")],
    events: [{ type: "run-started", at: 1 }],
    status: "generating",
    ...over,
  });

  let dir: string;
  let db: Db;
  let store: TraceStore;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "hintlab-logprobs-"));
    db = openDb(testDbLocation(backend, dir, "t.db"));
    store = new TraceStore(db);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const stored = (id: string) => store.logprobs(id).map((s) => ({ segment: s.segment, tokens: unpackLogprobs(s.packed) }));
  const summary = (tokens: TokenLogprob[]) => tokens.map((t) => `${t.start}:${t.text}`);

  function expectSameTokens(actual: TokenLogprob[], expected: TokenLogprob[]) {
    expect(summary(actual)).toEqual(summary(expected));
    actual.forEach((t, i) => expect(Math.abs(t.logprob - expected[i]!.logprob)).toBeLessThanOrEqual(LOGPROB_MAX_ERROR + 1e-12));
  }

  describe("TraceStore logprobs: live saves", () => {
    /** The writer's saves: the growing model segment, and its tokens from `from` on. */
    const save = (lease: string, seq: number, upTo: number, fromToken: number, toToken: number): LiveAppendBody => ({
      lease,
      seq,
      segmentsFrom: 1,
      segments: [seg(2, "model", TEXT.slice(0, upTo))],
      eventsFrom: 1,
      events: [],
      status: "generating",
      logprobs: [{ segment: 1, from: TOKENS[fromToken]!.start, tokens: TOKENS.slice(fromToken, toToken) }],
    });
    const endOf = (k: number) => TOKENS[k - 1]!.start + TOKENS[k - 1]!.text.length;

    it("appends per save, survives a retried save, and reads back as one blob per segment", () => {
      const { id, lease } = store.create(body());
      store.liveAppend(id, save(lease!, 1, endOf(100), 0, 100));
      store.liveAppend(id, save(lease!, 2, endOf(250), 100, 250));
      // The answer to save 3 was lost: the writer sends the same tokens again, with more.
      store.liveAppend(id, save(lease!, 3, endOf(400), 250, 400));
      store.liveAppend(id, save(lease!, 4, endOf(TOKENS.length), 250, TOKENS.length));
      const all = stored(id);
      expect(all.map((s) => s.segment)).toEqual([1]);
      expectSameTokens(all[0]!.tokens, TOKENS);
      for (const t of all[0]!.tokens) expect(TEXT.slice(t.start, t.start + t.text.length)).toBe(t.text);
    });

    it("refuses tokens that do not match the segment's text, lie past it, or describe a non-model segment", () => {
      const { id, lease } = store.create(body());
      const wrong = save(lease!, 1, endOf(10), 0, 10);
      wrong.logprobs![0]!.tokens[3] = { ...TOKENS[3]!, text: "zz" };
      expect(() => store.liveAppend(id, wrong)).toThrow(/token 3 \("zz"\) does not match the segment's text/);
      const past = save(lease!, 2, endOf(10), 0, 11);
      expect(() => store.liveAppend(id, past)).toThrow(/token 10 ends at \d+, past the segment's \d+ characters/);
      const prompt = { ...save(lease!, 3, endOf(10), 0, 10), logprobs: [{ segment: 0, from: 0, tokens: TOKENS.slice(0, 1) }] };
      expect(() => store.liveAppend(id, prompt as LiveAppendBody)).toThrow(/only model text has token probabilities/);
      // A refused save stores nothing, text included (one transaction).
      expect(store.get(id).segments).toHaveLength(1);
      expect(stored(id)).toEqual([]);
    });

    it("are deleted with the trace", () => {
      const { id, lease } = store.create(body());
      store.liveAppend(id, save(lease!, 1, endOf(50), 0, 50));
      store.delete(id);
      expect((db.prepare("SELECT COUNT(*) AS n FROM segment_logprobs").get() as { n: number }).n).toBe(0);
      expect(() => store.logprobs(id)).toThrow(/no trace with id/);
    });
  });

  describe("TraceStore logprobs: headless runs and forks", () => {
    const finished = () =>
      store.create(
        body({
          status: "finished",
          segments: [seg(1, "prompt", "<p>"), seg(2, "model", TEXT.slice(0, 1000)), seg(3, "hint", "Wait, use Python.\n"), seg(4, "model", TEXT.slice(1000))],
        }),
      );
    const cut = TOKENS.filter((t) => t.start + t.text.length <= 1000).length;

    it("putLogprobs stores a segment whole; a trace without any reads as an empty list", () => {
      const t = finished();
      expect(store.logprobs(t.id)).toEqual([]);
      store.putLogprobs(t.id, 1, TOKENS.slice(0, cut));
      expectSameTokens(stored(t.id)[0]!.tokens, TOKENS.slice(0, cut));
    });

    it("a fork keeps the tokens of its shared prefix: earlier segments whole, the cut one up to the cut", () => {
      const t = finished();
      store.putLogprobs(t.id, 1, TOKENS.slice(0, cut));
      const later = tokensOf(TEXT.slice(1000));
      store.putLogprobs(t.id, 3, later);
      const fork = store.fork(t.id, { segment: 3, offset: 500 }, "tester");
      const copied = stored(fork.id);
      expect(copied.map((s) => s.segment)).toEqual([1, 3]);
      expectSameTokens(copied[0]!.tokens, TOKENS.slice(0, cut));
      expectSameTokens(copied[1]!.tokens, later.filter((x) => x.start + x.text.length <= 500));
      // Forking at a segment's start leaves that segment's tokens out with it.
      expect(stored(store.fork(t.id, { segment: 3, offset: 0 }, "tester").id).map((s) => s.segment)).toEqual([1]);
    });
  });
});
