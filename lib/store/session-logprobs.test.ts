// Token probabilities in the playground: the session host asks for them, places each stream's
// tokens in the segments its text went to, and the writer sends them in live saves.
import { describe, expect, it, vi } from "vitest";
import { createEngine, reduce, type EngineState, type SegmentLogprobs } from "@/lib/engine";
import { encodeNdjson, type GenerateBody, type GenerateFrame, type LiveAppendBody, type Sandbox, type TokenLogprob } from "@/lib/protocol";
import { testTraceConfig } from "@/lib/protocol/__fixtures__/trace-config";
import { SessionHost } from "./session-host";
import { TraceWriter } from "./trace-writer";

const config = { ...testTraceConfig(), triggers: ["Wait"], policy: { type: "manual" as const, pauseAtTriggers: true, pauseAtEndOfThinking: false } };

/** A stream's text frames, each followed by a logprobs frame with one token per word, as /api/generate sends them. */
function framesFor(chunks: string[]): GenerateFrame[] {
  const frames: GenerateFrame[] = [];
  let offset = 0;
  for (const chunk of chunks) {
    frames.push({ type: "text", text: chunk });
    const tokens: TokenLogprob[] = [];
    for (const m of chunk.matchAll(/\s*\S+|\s+/g)) {
      tokens.push({ start: offset + m.index, text: m[0], logprob: -0.25, top: [{ text: m[0], logprob: -0.25 }, { text: " x", logprob: -2 }] });
    }
    offset += chunk.length;
    frames.push({ type: "logprobs", tokens });
  }
  return frames;
}

function fakeFetch(scripts: GenerateFrame[][]) {
  const bodies: GenerateBody[] = [];
  const fn = (async (_url: string, init: RequestInit) => {
    const frames = scripts.shift() ?? [];
    bodies.push(JSON.parse(init.body as string) as GenerateBody);
    const enc = new TextEncoder();
    const signal = init.signal!;
    const body = new ReadableStream<Uint8Array>({
      async pull(c) {
        const f = frames.shift();
        await new Promise((r) => setTimeout(r, 1));
        if (signal.aborted) return c.error(new DOMException("aborted", "AbortError"));
        if (!f) return c.close();
        c.enqueue(enc.encode(encodeNdjson(f)));
      },
    });
    return new Response(body, { status: 200 });
  }) as unknown as typeof fetch;
  return { fn, bodies };
}

const sandbox: Sandbox = {
  execute: async (code) => ({ stdout: `ran ${code.trim()}\n`, stderr: "", timedOut: false, truncated: false, durationMs: 1 }),
  reset: async () => {},
  dispose: async () => {},
};

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 2));
  if (!cond()) throw new Error("condition not reached");
};

describe("SessionHost with token probabilities", () => {
  it("asks for them, keeps the tokens of accepted text per segment, drops those after a cut", async () => {
    const f = fakeFetch([
      framesFor(["One plus one. ", "Wait, never seen"]),
      framesFor(["print(1+1)\n```\n", "ignored after the block"]),
      [...framesFor(["So \\boxed{2}."]), { type: "done", result: { finishReason: "eos" } }],
    ]);
    let notified: SegmentLogprobs = {};
    let t = 0;
    const h = new SessionHost(
      { fetch: f.fn, sandbox: () => sandbox, now: () => ++t, onChange: () => {}, onLogprobs: (l) => (notified = l) },
      { traceId: "t", problem: { id: "p", kind: "math", statement: "1+1?", gold: "2" }, config, policyHints: [], settings: {}, logprobs: 5 },
    );
    h.dispatch({ type: "start", at: 0 });
    await until(() => h.current.phase === "paused");
    h.dispatch({ type: "inject", hint: { id: "h", text: "Wait, use Python.\n```python\n" }, at: 0 });
    await until(() => h.current.phase === "finished");
    expect(f.bodies.map((b) => b.request.logprobs)).toEqual([5, 5, 5]);

    const segments = h.current.segments;
    expect(segments.map((s) => s.kind)).toEqual(["prompt", "model", "hint", "model", "tool_output", "model"]);
    const lp = h.currentLogprobs;
    expect(notified).toBe(lp);
    expect(Object.keys(lp).map(Number)).toEqual([1, 3, 5]);
    // Each segment's text is spelled by its tokens, at their offsets: nothing of "Wait, never seen"
    // (cut at the pause) or of the text after the code block.
    for (const i of [1, 3, 5]) {
      const text = segments[i]!.text;
      expect(lp[i]!.map((x) => x.text).join("")).toBe(text);
      for (const x of lp[i]!) expect(text.slice(x.start, x.start + x.text.length)).toBe(x.text);
    }
  });

  it("does not ask for them when off", async () => {
    const f = fakeFetch([[...framesFor(["\\boxed{2}"]), { type: "done", result: { finishReason: "eos" } }]]);
    const h = new SessionHost(
      { fetch: f.fn, sandbox: () => sandbox, now: () => 1, onChange: () => {} },
      { traceId: "t", problem: { id: "p", kind: "math", statement: "1+1?", gold: "2" }, config, policyHints: [], settings: {} },
    );
    h.dispatch({ type: "start", at: 0 });
    await until(() => h.current.phase === "finished");
    expect(f.bodies[0]!.request).not.toHaveProperty("logprobs");
    expect(h.currentLogprobs).toEqual({});
  });
});

describe("TraceWriter with token probabilities", () => {
  it("sends each token once per segment, from the offset of the first unsaved one, backing up over byte tokens", async () => {
    vi.useFakeTimers();
    const bodies: LiveAppendBody[] = [];
    const fetch = (async (url: string, init: RequestInit) => {
      const body = JSON.parse(init.body as string);
      if (init.method === "POST") return new Response(JSON.stringify({ lease: "lease-one-0123456789" }), { status: 201 });
      bodies.push(body as LiveAppendBody);
      return new Response(JSON.stringify({ version: 1, seq: body.seq }), { status: 200 });
    }) as unknown as typeof globalThis.fetch;
    const w = new TraceWriter({ fetch, now: () => Date.now(), onStatus: () => {}, textIntervalMs: 10, heartbeatMs: 60_000 }, "t1");
    let s: EngineState = reduce(createEngine({ traceId: "t1", problem: { id: "p", kind: "math", statement: "q" }, config }), { type: "start", at: 0 });
    w.update(s);
    await vi.advanceTimersByTimeAsync(20);
    const tok = (start: number, text: string): TokenLogprob => ({ start, text, logprob: -0.5, top: [] });
    s = reduce(s, { type: "chunk", streamId: s.streamId!, text: "ab", at: 1 });
    // "≤" came as three byte tokens: two empty ones, then the one that completes it.
    w.setLogprobs({ 1: [tok(0, "a"), tok(1, "b"), tok(2, ""), tok(2, "")] });
    w.update(s);
    await vi.advanceTimersByTimeAsync(20);
    s = reduce(s, { type: "chunk", streamId: s.streamId!, text: "≤c", at: 2 });
    w.setLogprobs({ 1: [tok(0, "a"), tok(1, "b"), tok(2, ""), tok(2, ""), tok(2, "≤"), tok(3, "c")] });
    w.update(s);
    await vi.advanceTimersByTimeAsync(20);
    const sent = bodies.filter((b) => b.logprobs).map((b) => b.logprobs!.map((e) => ({ segment: e.segment, from: e.from, texts: e.tokens.map((x) => x.text) })));
    expect(sent).toEqual([[{ segment: 1, from: 0, texts: ["a", "b", "", ""] }], [{ segment: 1, from: 2, texts: ["", "", "≤", "c"] }]]);
    w.dispose();
    vi.useRealTimers();
  });
});
