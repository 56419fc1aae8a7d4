import { describe, expect, it, vi } from "vitest";
import { createEngine, reduce, type EngineState } from "@/lib/engine";
import type { LiveAppendBody } from "@/lib/protocol";
import { TraceWriter, type SaveStatus } from "./trace-writer";
import { testTraceConfig } from "@/lib/protocol/__fixtures__/trace-config";

const config = testTraceConfig();

/** A fake server that applies writes like TraceStore.liveAppend does: under a lease, in seq order. */
function fakeServer() {
  const stored = { segments: [] as string[], events: 0, status: "", created: false, lease: "lease-one-0123456789", seq: 0 };
  const calls: string[] = [];
  const bodies: Record<string, unknown>[] = [];
  let failNext = false;
  const refuse = (reason: string) => new Response(JSON.stringify({ error: { code: "conflict", message: `refused: ${reason}`, reason } }), { status: 409 });
  const fetch = (async (url: string, init: RequestInit) => {
    calls.push(`${init.method} ${url}`);
    if (failNext) {
      failNext = false;
      return new Response(JSON.stringify({ error: { code: "internal", message: "disk full" } }), { status: 500 });
    }
    const body = JSON.parse(init.body as string);
    bodies.push(body);
    if (url.endsWith("/lease")) return body.lease === stored.lease ? new Response("{}") : refuse("lease-lost");
    if (init.method === "POST") {
      stored.created = true;
      stored.segments = body.segments.map((s: { text: string }) => s.text);
      stored.events = body.events.length;
      stored.status = body.status;
      return new Response(JSON.stringify({ lease: stored.lease }), { status: 201 });
    }
    const b = body as LiveAppendBody;
    if (b.lease !== stored.lease) return refuse("lease-lost");
    if (b.seq <= stored.seq) return refuse("stale-write");
    stored.seq = b.seq;
    stored.segments = [...stored.segments.slice(0, b.segmentsFrom), ...b.segments.map((s) => s.text)];
    stored.events = b.eventsFrom + b.events.length;
    stored.status = body.status;
    return new Response(JSON.stringify({ version: 1, seq: b.seq }), { status: 200 });
  }) as unknown as typeof globalThis.fetch;
  return { stored, calls, bodies, fetch, fail: () => (failNext = true), takeOver: () => (stored.lease = "lease-two-0123456789") };
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

  it("numbers its writes under the lease; when another tab takes over it stops for good and says so", async () => {
    vi.useFakeTimers();
    const server = fakeServer();
    const statuses: SaveStatus[] = [];
    const lost: string[] = [];
    const w = new TraceWriter(
      { fetch: server.fetch, now: () => Date.now(), onStatus: (s) => statuses.push(s), onLeaseLost: (m) => lost.push(m), heartbeatMs: 60_000 },
      "t3",
    );
    let s: EngineState = reduce(createEngine({ traceId: "t3", problem: { id: "p", kind: "math", statement: "q" }, config }), { type: "start", at: 0 });
    w.update(s);
    await vi.advanceTimersByTimeAsync(10);
    s = reduce(s, { type: "chunk", streamId: s.streamId!, text: "Mine", at: 1 });
    w.update(s);
    await vi.advanceTimersByTimeAsync(1100);
    const seqs = server.bodies.filter((b) => "seq" in b).map((b) => b.seq as number);
    expect(seqs.length).toBeGreaterThan(0);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(server.bodies.every((b) => !("seq" in b) || b.lease === "lease-one-0123456789")).toBe(true);
    server.takeOver();
    s = reduce(s, { type: "stop", at: 2 });
    w.update(s);
    await vi.advanceTimersByTimeAsync(5000);
    expect(statuses.at(-1)).toMatchObject({ state: "lost", message: expect.stringContaining("lease-lost") });
    expect(lost).toHaveLength(1);
    const after = server.calls.length;
    s = reduce(s, { type: "continue", mode: "resume", at: 3 });
    w.update(s);
    await vi.advanceTimersByTimeAsync(5000);
    // No more writes, no retries: the trace belongs to the other tab now.
    expect(server.calls.length).toBe(after);
    expect(server.stored.status).not.toBe("stopped");
    w.dispose();
    vi.useRealTimers();
  });

  it("hands the trace back on exit: the last state goes out with release", async () => {
    vi.useFakeTimers();
    const server = fakeServer();
    const w = new TraceWriter({ fetch: server.fetch, now: () => Date.now(), onStatus: () => undefined, heartbeatMs: 60_000 }, "t4");
    let s: EngineState = reduce(createEngine({ traceId: "t4", problem: { id: "p", kind: "math", statement: "q" }, config }), { type: "start", at: 0 });
    w.update(s);
    await vi.advanceTimersByTimeAsync(10);
    s = reduce(s, { type: "chunk", streamId: s.streamId!, text: "Half a thought", at: 1 });
    w.update(s);
    w.dispose({ release: true });
    await vi.advanceTimersByTimeAsync(10);
    expect(server.bodies.at(-1)).toMatchObject({ release: true, status: "generating" });
    expect(server.stored.segments.join("")).toContain("Half a thought");
    vi.useRealTimers();
  });
});
