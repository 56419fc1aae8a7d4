import { describe, expect, it, vi } from "vitest";
import { createEngine, reduce, type EngineState } from "@/lib/engine";
import type { LiveAppendBody, TraceConfig } from "@/lib/protocol";
import { TraceWriter, type SaveStatus } from "./trace-writer";

const config: TraceConfig = {
  provider: "openai-completions",
  model: "m",
  template: "qwq",
  sampling: { maxTokens: 1000 },
  triggers: ["Wait"],
  policy: { type: "greedy" },
  maxToolCalls: 6,
  toolTimeoutMs: 1000,
  maxOutputChars: 1000,
  hintLibraryVersion: "t",
  policySeed: 0,
};

/** A fake server that applies writes like TraceStore.liveAppend does. */
function fakeServer() {
  const stored = { segments: [] as string[], events: 0, status: "", created: false };
  const calls: string[] = [];
  let failNext = false;
  const fetch = (async (url: string, init: RequestInit) => {
    calls.push(`${init.method} ${url}`);
    if (failNext) {
      failNext = false;
      return new Response(JSON.stringify({ error: { code: "internal", message: "disk full" } }), { status: 500 });
    }
    const body = JSON.parse(init.body as string);
    if (init.method === "POST") {
      stored.created = true;
      stored.segments = body.segments.map((s: { text: string }) => s.text);
      stored.events = body.events.length;
    } else {
      const b = body as LiveAppendBody;
      stored.segments = [...stored.segments.slice(0, b.segmentsFrom), ...b.segments.map((s) => s.text)];
      stored.events = b.eventsFrom + b.events.length;
    }
    stored.status = body.status;
    return new Response(JSON.stringify({ version: 2 }), { status: 200 });
  }) as unknown as typeof globalThis.fetch;
  return { stored, calls, fetch, fail: () => (failNext = true) };
}

describe("TraceWriter", () => {
  it("creates the trace, sends text at most every interval, finished segments at once, and the final state", async () => {
    vi.useFakeTimers();
    const server = fakeServer();
    const statuses: SaveStatus[] = [];
    const w = new TraceWriter({ fetch: server.fetch, now: () => Date.now(), onStatus: (s) => statuses.push(s), textIntervalMs: 1000, heartbeatMs: 60_000 }, "t1");
    let s: EngineState = reduce(createEngine({ traceId: "t1", problem: { id: "p", kind: "math", statement: "q" }, config }), { type: "start", at: 0 });
    w.update(s);
    await vi.advanceTimersByTimeAsync(10);
    expect(server.calls).toEqual(["POST /api/traces"]);
    for (let i = 0; i < 20; i++) {
      s = reduce(s, { type: "chunk", streamId: s.streamId!, text: "word ", at: i });
      w.update(s);
      await vi.advanceTimersByTimeAsync(100);
    }
    // 2 s of streaming text: about two text writes, not twenty.
    const patches = server.calls.filter((c) => c.startsWith("PATCH")).length;
    expect(patches).toBeGreaterThanOrEqual(1);
    expect(patches).toBeLessThanOrEqual(3);
    s = reduce(s, { type: "stream-ended", streamId: s.streamId!, result: { finishReason: "eos" }, at: 99 });
    w.update(s);
    await vi.advanceTimersByTimeAsync(10);
    expect(server.stored.status).toBe("finished");
    expect(server.stored.segments.join("")).toBe(s.segments.map((x) => x.text).join(""));
    expect(server.stored.events).toBe(s.events.length);
    expect(statuses.at(-1)?.state).toBe("saved");
    w.dispose();
    vi.useRealTimers();
  });

  it("a failed write is reported and retried; nothing is lost", async () => {
    vi.useFakeTimers();
    const server = fakeServer();
    const statuses: SaveStatus[] = [];
    const w = new TraceWriter({ fetch: server.fetch, now: () => Date.now(), onStatus: (s) => statuses.push(s), heartbeatMs: 60_000 }, "t2");
    let s: EngineState = reduce(createEngine({ traceId: "t2", problem: { id: "p", kind: "math", statement: "q" }, config }), { type: "start", at: 0 });
    w.update(s);
    await vi.advanceTimersByTimeAsync(10);
    server.fail();
    s = reduce(s, { type: "chunk", streamId: s.streamId!, text: "Hello", at: 1 });
    s = reduce(s, { type: "stop", at: 2 });
    w.update(s);
    await vi.advanceTimersByTimeAsync(10);
    expect(statuses.at(-1)).toMatchObject({ state: "error", message: expect.stringContaining("disk full") });
    await vi.advanceTimersByTimeAsync(2500);
    expect(server.stored.status).toBe("stopped");
    expect(server.stored.segments.join("")).toContain("Hello");
    w.dispose();
    vi.useRealTimers();
  });
});
