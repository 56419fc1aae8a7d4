import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { GenerateRequest, GenerateResult } from "@/lib/protocol";
import { EndpointPool, endpointLabel, type PoolEndpoint } from "./endpoint-pool";
import { ModelError, type Provider } from "./types";

/**
 * A model server in memory: each request yields "a" then waits until the test lets it finish.
 * `mode` says how the next requests behave: refuse before any text, break after some, or
 * refuse with a request error (bad-request) that says nothing about the endpoint.
 */
type Mode = "ok" | "refuse" | "break" | "bad-request";
interface Fake {
  endpoint: PoolEndpoint;
  mode: Mode;
  healthy: boolean;
  /** One per request, in arrival order. */
  calls: { prompt: string; finish: () => void; fail: (error: ModelError) => void; open: boolean }[];
  probes: number[];
  open(): number;
}

function fake(url: string, maxConcurrent?: number, refusal = `refused by ${url}`): Fake {
  const f: Fake = {
    mode: "ok",
    healthy: true,
    calls: [],
    probes: [],
    open: () => f.calls.filter((c) => c.open).length,
    endpoint: undefined as unknown as PoolEndpoint,
  };
  const provider: Provider = {
    async *generate(request: GenerateRequest, signal: AbortSignal): AsyncGenerator<string, GenerateResult> {
      let finish!: () => void;
      let fail!: (error: ModelError) => void;
      const gate = new Promise<void>((resolve, reject) => ((finish = resolve), (fail = reject)));
      const call = { prompt: request.prompt, finish, fail, open: true };
      f.calls.push(call);
      try {
        if (f.mode === "refuse") throw new ModelError("connection-refused", refusal);
        if (f.mode === "bad-request") throw new ModelError("bad-request", "prompt too long");
        yield "a";
        if (f.mode === "break") throw new ModelError("stream-broken", `broke at ${url}`);
        await Promise.race([gate, new Promise((r) => signal.addEventListener("abort", r, { once: true }))]);
        return { finishReason: signal.aborted ? "abort" : "eos" };
      } finally {
        call.open = false;
      }
    },
  };
  f.endpoint = {
    url,
    provider,
    ...(maxConcurrent !== undefined ? { maxConcurrent } : {}),
    probe: async () => {
      f.probes.push(Date.now());
      return f.healthy;
    },
  };
  return f;
}

const request = (prompt = "p"): GenerateRequest => ({ prompt, userMessage: "u", assistantPrefill: "", stop: [], maxTokens: 10 });

/** Start a generation and pull its first chunk (the request is then outstanding). */
async function start(provider: Provider, prompt = "p", signal = new AbortController().signal) {
  const gen = provider.generate(request(prompt), signal);
  const first = gen.next();
  const rest = (async () => {
    const chunks: string[] = [];
    try {
      let next = await first;
      while (!next.done) {
        chunks.push(next.value);
        next = await gen.next();
      }
      return { chunks, result: next.value };
    } catch (error) {
      return { chunks, error: error as ModelError };
    }
  })();
  await flush();
  // Wrapped: an async function returning the promise itself would wait for the whole run.
  return { done: rest };
}
type Handle = Awaited<ReturnType<typeof start>>;
const all = (handles: Handle[]) => Promise.all(handles.map((h) => h.done));

const flush = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

const quiet = { log: () => {} };

describe("EndpointPool routing", () => {
  it("sends each request to the endpoint with the fewest outstanding requests", async () => {
    const [a, b, c] = [fake("http://a/v1"), fake("http://b/v1"), fake("http://c/v1")];
    const pool = new EndpointPool([a.endpoint, b.endpoint, c.endpoint], quiet);
    const runs = [await start(pool), await start(pool), await start(pool)];
    expect([a.open(), b.open(), c.open()]).toEqual([1, 1, 1]);
    b.calls[0]!.finish();
    await runs[1]!.done;
    // b has none outstanding now: the next two go to b, then to the one that served least.
    runs.push(await start(pool));
    expect([a.open(), b.open(), c.open()]).toEqual([1, 1, 1]);
    runs.push(await start(pool));
    expect(a.open() + b.open() + c.open()).toBe(4);
    expect(Math.max(a.open(), b.open(), c.open()) - Math.min(a.open(), b.open(), c.open())).toBe(1);
    for (const f of [a, b, c]) for (const call of f.calls) call.finish();
    const done = await all(runs);
    expect(done.every((r) => r.result?.finishReason === "eos" && r.chunks.join("") === "a")).toBe(true);
    expect(pool.stats().map((s) => s.served).reduce((x, y) => x + y)).toBe(5);
  });

  it("requests that start in the same turn spread over the endpoints and respect the caps", async () => {
    const [a, b, c] = [fake("http://a/v1"), fake("http://b/v1"), fake("http://c/v1", 1)];
    const pool = new EndpointPool([a.endpoint, b.endpoint, c.endpoint], quiet);
    const gens = Array.from({ length: 5 }, () => pool.generate(request(), new AbortController().signal));
    const firsts = gens.map((g) => g.next());
    await flush();
    expect([a.open(), b.open(), c.open()]).toEqual([2, 2, 1]);
    for (const f of [a, b, c]) for (const call of f.calls) call.finish();
    await Promise.all(firsts);
    await Promise.all(gens.map((g) => g.next()));
    expect(pool.stats().map((s) => s.outstanding)).toEqual([0, 0, 0]);
  });

  it("never exceeds an endpoint's cap: extra requests wait for a slot", async () => {
    const [a, b] = [fake("http://a/v1", 1), fake("http://b/v1", 2)];
    const pool = new EndpointPool([a.endpoint, b.endpoint], quiet);
    const runs = [await start(pool), await start(pool), await start(pool), await start(pool)];
    expect([a.open(), b.open()]).toEqual([1, 2]);
    expect(a.calls.length + b.calls.length).toBe(3); // the fourth waits
    a.calls[0]!.finish();
    await runs[0]!.done;
    await flush();
    expect([a.open(), b.open()]).toEqual([1, 2]);
    expect(a.calls).toHaveLength(2);
    for (const f of [a, b]) for (const call of f.calls) call.finish();
    await flush();
    for (const f of [a, b]) for (const call of f.calls) call.finish();
    expect((await all(runs)).map((r) => r.result?.finishReason)).toEqual(["eos", "eos", "eos", "eos"]);
  });

  it("an aborted request that waits for a slot ends as abort without reaching a server", async () => {
    const a = fake("http://a/v1", 1);
    const pool = new EndpointPool([a.endpoint], quiet);
    const first = await start(pool);
    const controller = new AbortController();
    const waiting = await start(pool, "p", controller.signal);
    controller.abort();
    expect((await waiting.done).result).toEqual({ finishReason: "abort" });
    expect(a.calls).toHaveLength(1);
    a.calls[0]!.finish();
    expect((await first.done).result?.finishReason).toBe("eos");
  });

  it("keeps a trace on its endpoint while it is up and has room, and moves it when it is full", async () => {
    const [a, b] = [fake("http://a/v1", 2), fake("http://b/v1")];
    const pool = new EndpointPool([a.endpoint, b.endpoint], quiet);
    const trace = pool.bind();
    const r1 = await start(trace.provider, "t1");
    expect(a.calls).toHaveLength(1);
    // Another request keeps a busy: least-outstanding alone would now pick b for the trace.
    const other = await start(pool, "other");
    expect(b.calls).toHaveLength(1);
    a.calls[0]!.finish();
    await r1.done;
    const blocker = await start(pool, "blocker"); // a: 0 outstanding, b: 1 → a
    expect(a.open()).toBe(1);
    const r2 = await start(trace.provider, "t2");
    expect(a.calls.at(-1)!.prompt).toBe("t2"); // affinity beats b's equal load
    expect(trace.endpoint()).toBe("http://a/v1");
    // a is now at its cap of 2: the trace's next request moves to b.
    const r3 = await start(trace.provider, "t3");
    expect(b.calls.at(-1)!.prompt).toBe("t3");
    expect(trace.endpoint()).toBe("http://b/v1");
    expect(trace.endpoints()).toEqual(["http://a/v1", "http://b/v1"]);
    for (const f of [a, b]) for (const call of f.calls) call.finish();
    await all([other, blocker, r2, r3]);
  });

  it("requests one by one keep a session (the engine's trace id) on its endpoint", async () => {
    const [a, b] = [fake("http://a/v1"), fake("http://b/v1")];
    const pool = new EndpointPool([a.endpoint, b.endpoint], quiet);
    const inSession = (prompt: string) => start({ generate: (r, s) => pool.generate({ ...r, session: "trace-1" }, s) }, prompt);
    const first = await inSession("s1");
    expect(a.calls.at(-1)!.prompt).toBe("s1");
    a.calls[0]!.finish();
    await first.done;
    const onB = await start(pool, "other 1"); // a served one already: b
    const onA = await start(pool, "other 2");
    expect([a.calls.at(-1)!.prompt, b.calls.at(-1)!.prompt]).toEqual(["other 2", "other 1"]);
    b.calls[0]!.finish();
    await onB.done; // now a: 1 outstanding, b: 0
    const second = await inSession("s2");
    expect(a.calls.at(-1)!.prompt).toBe("s2");
    const third = await start(pool, "no session"); // least outstanding: b
    expect(b.calls.at(-1)!.prompt).toBe("no session");
    for (const f of [a, b]) for (const call of f.calls) call.finish();
    await all([onA, second, third]);
  });
});

describe("EndpointPool failures", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("a request refused before any text is retried on another endpoint; the refusing one gets nothing while down", async () => {
    const [a, b] = [fake("http://a/v1"), fake("http://b/v1")];
    a.mode = "refuse";
    a.healthy = false;
    const pool = new EndpointPool([a.endpoint, b.endpoint], quiet);
    const r = await start(pool);
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(1);
    b.calls[0]!.finish();
    expect(await r.done).toMatchObject({ chunks: ["a"], result: { finishReason: "eos" } });
    expect(pool.stats()[0]).toMatchObject({ state: "down", failures: 1, served: 0 });
    const more = [await start(pool), await start(pool), await start(pool)];
    expect(a.calls).toHaveLength(1);
    expect(b.open()).toBe(3);
    for (const call of b.calls) call.finish();
    await all(more);
  });

  it("a stream that breaks after text fails the request (no silent retry) and takes the endpoint out", async () => {
    const [a, b] = [fake("http://a/v1"), fake("http://b/v1")];
    a.mode = "break";
    const pool = new EndpointPool([a.endpoint, b.endpoint], quiet);
    const r = await start(pool);
    const out = await r.done;
    expect(out.chunks).toEqual(["a"]);
    expect(out.error?.code).toBe("stream-broken");
    expect(b.calls).toHaveLength(0);
    expect(pool.stats()[0]!.state).toBe("down");
  });

  it("a request error (400) leaves the endpoint in and is not retried elsewhere", async () => {
    const [a, b] = [fake("http://a/v1"), fake("http://b/v1")];
    a.mode = "bad-request";
    const pool = new EndpointPool([a.endpoint, b.endpoint], quiet);
    const out = await (await start(pool)).done;
    expect(out.error?.code).toBe("bad-request");
    expect(b.calls).toHaveLength(0);
    expect(pool.stats()[0]).toMatchObject({ state: "up", failures: 0 });
  });

  it("health checks back off 1 s, 2 s, 4 s … up to 30 s, and a healthy check brings the endpoint back", async () => {
    const [a, b] = [fake("http://a/v1"), fake("http://b/v1")];
    a.mode = "refuse";
    a.healthy = false;
    const lines: string[] = [];
    const pool = new EndpointPool([a.endpoint, b.endpoint], { log: (l) => lines.push(l) });
    const t0 = Date.now();
    const r = await start(pool);
    b.calls[0]!.finish();
    await r.done;
    expect(lines).toEqual(["model server http://a/v1 taken out (connection-refused); health check in 1 s"]);
    await vi.advanceTimersByTimeAsync(999);
    expect(a.probes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(a.probes.map((t) => t - t0)).toEqual([1000]);
    // 1 + 2 + 4 + 8 + 16 + 30 + 30 seconds after the failure.
    await vi.advanceTimersByTimeAsync(90_000 - 1000);
    expect(a.probes.map((t) => t - t0)).toEqual([1000, 3000, 7000, 15000, 31000, 61000]);
    expect(pool.stats()[0]!.nextProbeAt! - t0).toBe(91000);
    a.healthy = true;
    a.mode = "ok";
    await vi.advanceTimersByTimeAsync(1000);
    expect(pool.stats()[0]).toMatchObject({ state: "up", nextProbeAt: null });
    expect(lines.at(-1)).toBe("model server http://a/v1 is back");
    // Back in the rotation: b is busy, so the next request goes to a.
    const busy = await start(pool);
    const next = await start(pool);
    expect(a.calls).toHaveLength(2);
    a.calls[1]!.finish();
    for (const call of b.calls) call.finish();
    await all([busy, next]);
    // A new failure starts the backoff from 1 s again.
    a.mode = "refuse";
    a.healthy = false;
    const again = await start(pool);
    expect(pool.stats()[0]!.nextProbeAt! - Date.now()).toBe(1000);
    for (const call of b.calls) call.finish();
    await again.done;
    pool.close();
  });

  it("many requests failing in one outage count as one backoff step", async () => {
    const [a, b] = [fake("http://a/v1"), fake("http://b/v1")];
    const lines: string[] = [];
    const pool = new EndpointPool([a.endpoint, b.endpoint], { log: (l) => lines.push(l) });
    const runs = [await start(pool), await start(pool), await start(pool), await start(pool)];
    expect([a.open(), b.open()]).toEqual([2, 2]);
    for (const call of a.calls) call.fail(new ModelError("stream-broken", "server died"));
    const cut = await all([runs[0]!, runs[2]!]);
    expect(cut.map((r) => [r.chunks, r.error?.code])).toEqual([[["a"], "stream-broken"], [["a"], "stream-broken"]]);
    expect(pool.stats()[0]).toMatchObject({ state: "down", failures: 2, nextProbeAt: Date.now() + 1000 });
    expect(lines).toHaveLength(1);
    for (const call of b.calls) call.finish();
    await all([runs[1]!, runs[3]!]);
    pool.close();
  });

  it("when every endpoint is down a request waits for one to come back (up to the wait), then goes there", async () => {
    const [a, b] = [fake("http://a/v1"), fake("http://b/v1")];
    a.mode = b.mode = "refuse";
    a.healthy = b.healthy = false;
    const pool = new EndpointPool([a.endpoint, b.endpoint], { ...quiet, downWaitMs: 10_000 });
    const first = await (await start(pool)).done;
    expect(first.error?.code).toBe("connection-refused"); // both tried before any text
    expect(first.error?.message).toContain("refused by http://b/v1");
    const waiting = start(pool);
    await vi.advanceTimersByTimeAsync(500);
    b.mode = "ok";
    b.healthy = true;
    await vi.advanceTimersByTimeAsync(600); // b's first health check at 1 s
    const r = await waiting;
    await flush();
    expect(b.calls).toHaveLength(2);
    b.calls[1]!.finish();
    expect((await r.done).result?.finishReason).toBe("eos");
    pool.close();
  });

  it("when every endpoint stays down, a request fails after the wait with a message naming them", async () => {
    const a = fake("http://user:secret@a/v1?key=k", undefined, "refused");
    a.mode = "refuse";
    a.healthy = false;
    const pool = new EndpointPool([a.endpoint], { ...quiet, downWaitMs: 5_000 });
    await (await start(pool)).done;
    const waiting = start(pool);
    await vi.advanceTimersByTimeAsync(5_000);
    const out = await (await waiting).done;
    expect(out.error?.code).toBe("connection-refused");
    expect(out.error?.message).toMatch(/^All 1 model servers are down \(http:\/\/a\/v1\)\. The next health check is in /);
    expect(out.error?.message).not.toContain("secret");
    expect(a.calls).toHaveLength(1);
    pool.close();
  });
});

describe("endpointLabel", () => {
  it("drops credentials, query and fragment", () => {
    expect(endpointLabel("http://user:pw@gpu1:8000/v1/?api_key=x#y")).toBe("http://gpu1:8000/v1");
    expect(endpointLabel("https://router.example/v1")).toBe("https://router.example/v1");
  });
});
