// The pool's bookkeeping against a scripted Sandbox (no Python): who gets which interpreter,
// what is replayed, what is kept, how many run at once. The same pool over real Python is
// tested in sandbox-pool.python.test.ts and sandbox-pool.attacks.test.ts.
import { describe, expect, it } from "vitest";
import type { ExecuteOptions, ExecutionResult, Sandbox } from "@/lib/protocol";
import { SandboxPool } from "./sandbox-pool";

const OPTS: ExecuteOptions = { timeoutMs: 1_000, maxOutputChars: 1_000 };

/**
 * An "interpreter" whose namespace is the list of blocks it ran. `show` prints the namespace,
 * `restart` loses it (as a timeout restart does), `throw` makes execute reject, `slow` takes 30 ms.
 */
class FakeSandbox implements Sandbox {
  static made: FakeSandbox[] = [];
  readonly ran: string[] = [];
  readonly seeds: number[] = [];
  namespace: string[] = [];
  restarts = 0;
  disposed = false;
  constructor() {
    FakeSandbox.made.push(this);
  }
  async execute(code: string, options: ExecuteOptions): Promise<ExecutionResult> {
    if (this.disposed) throw new Error("disposed");
    this.ran.push(code);
    if (options.seed !== undefined) this.seeds.push(options.seed);
    if (code === "throw") throw new Error("host failure");
    if (code === "slow") await new Promise((r) => setTimeout(r, 30));
    if (code === "restart") {
      this.restarts++;
      this.namespace = [];
      return { stdout: "", stderr: "", error: "TimeoutError: … lost", timedOut: true, truncated: false, durationMs: 1 };
    }
    this.namespace.push(code);
    const stdout = code === "show" ? `${this.namespace.slice(0, -1).join(",")}\n` : "";
    return { stdout, stderr: "", timedOut: false, truncated: false, durationMs: 1 };
  }
  async reset() {}
  async dispose() {
    this.disposed = true;
  }
}

function pool(opts: { running?: number; warm?: number; kept?: number }) {
  FakeSandbox.made = [];
  return new SandboxPool({ warm: 0, ...opts, create: () => new FakeSandbox() });
}


/** A process that boots when `boot()` is called (its `ready` waits until then) and can be recycled like NodeSandbox. */
class BootingSandbox extends FakeSandbox {
  static live = 0;
  static peakLive = 0;
  recycled = 0;
  boot!: () => void;
  readonly ready = new Promise<void>((resolve) => (this.boot = resolve));
  constructor() {
    super();
    BootingSandbox.peakLive = Math.max(BootingSandbox.peakLive, ++BootingSandbox.live);
  }
  async recycle() {
    this.namespace = [];
    this.seeds.length = 0;
    this.recycled++;
  }
  override async dispose() {
    if (!this.disposed) BootingSandbox.live--;
    await super.dispose();
  }
}

/** `bootMs`: how long each new process takes to boot (null: until the test calls boot()). */
function bootingPool(opts: { running?: number; warm?: number; kept?: number }, bootMs: number | null = 2) {
  FakeSandbox.made = [];
  BootingSandbox.live = 0;
  BootingSandbox.peakLive = 0;
  return new SandboxPool({
    warm: 0,
    ...opts,
    create: () => {
      const s = new BootingSandbox();
      if (bootMs !== null) setTimeout(() => s.boot(), bootMs);
      return s;
    },
  });
}

/** The seed each fake interpreter was given with its first block: the trace it belongs to. */
const ownerOf = (s: FakeSandbox) => s.seeds[0];

describe("SandboxPool", () => {
  it("replays a trace's earlier blocks into a fresh interpreter when none is kept", async () => {
    const p = pool({ kept: 0 });
    const t = p.session();
    await t.execute("a=1", OPTS);
    await t.execute("b=2", OPTS);
    expect((await t.execute("show", OPTS)).stdout).toBe("a=1,b=2\n");
    await t.close();
    const s = p.stats();
    expect(s).toMatchObject({ executions: 3, keptHits: 0, restores: 2, replayedBlocks: 3, divergedBlocks: 0 });
    // Three interpreters, each used once and killed; each was seeded once, with the trace's seed, at its first block.
    expect(FakeSandbox.made).toHaveLength(3);
    expect(FakeSandbox.made.every((f) => f.disposed)).toBe(true);
    expect(FakeSandbox.made.map((f) => f.seeds.length)).toEqual([1, 1, 1]);
    expect(new Set(FakeSandbox.made.map(ownerOf)).size).toBe(1);
    expect(FakeSandbox.made[2]!.ran).toEqual(["a=1", "b=2", "show"]);
  });

  it("keeps a trace's interpreter between blocks when there is room, and kills it on close", async () => {
    const p = pool({ kept: 4 });
    const t = p.session();
    await t.execute("a=1", OPTS);
    expect((await t.execute("show", OPTS)).stdout).toBe("a=1\n");
    expect(p.stats()).toMatchObject({ executions: 2, keptHits: 1, restores: 0 });
    expect(FakeSandbox.made).toHaveLength(1);
    expect(FakeSandbox.made[0]!.disposed).toBe(false);
    await t.close();
    expect(FakeSandbox.made[0]!.disposed).toBe(true);
  });

  it("never lets two traces share an interpreter", async () => {
    const p = pool({ running: 2, kept: 1 });
    const traces = Array.from({ length: 5 }, () => p.session());
    await Promise.all(
      traces.map(async (t, i) => {
        for (let b = 0; b < 3; b++) await t.execute(`t${i}b${b}`, OPTS);
        expect((await t.execute("show", OPTS)).stdout).toBe(`t${i}b0,t${i}b1,t${i}b2\n`);
      }),
    );
    await Promise.all(traces.map((t) => t.close()));
    for (const f of FakeSandbox.made) {
      const traceIds = new Set(f.ran.filter((c) => /^t\d/.test(c)).map((c) => c.slice(0, 2)));
      expect(traceIds.size).toBeLessThanOrEqual(1);
      expect(f.seeds).toHaveLength(1);
    }
  });

  it("bounds executions running at once, not traces: more live traces than places all progress", async () => {
    const p = pool({ running: 1, kept: 0 });
    const traces = Array.from({ length: 4 }, () => p.session());
    const order: string[] = [];
    await Promise.all(
      traces.map(async (t, i) => {
        await t.execute("slow", OPTS);
        order.push(`first ${i}`);
        await new Promise((r) => setTimeout(r, 5)); // the model thinking between blocks
        await t.execute("slow", OPTS);
        order.push(`second ${i}`);
      }),
    );
    // Every trace ran its first block before any trace ended: none held the one place between blocks.
    expect(order.slice(0, 4).every((e) => e.startsWith("first"))).toBe(true);
    expect(p.stats()).toMatchObject({ peakRunning: 1, peakSessions: 4, executions: 8 });
    await Promise.all(traces.map((t) => t.close()));
  });

  it("keeps the incumbents when the kept set is full: a newcomer replays instead of evicting", async () => {
    const p = pool({ running: 4, kept: 1 });
    const a = p.session();
    const b = p.session();
    await a.execute("a1", OPTS);
    await b.execute("b1", OPTS);
    await a.execute("a2", OPTS);
    await b.execute("b2", OPTS);
    expect(p.stats()).toMatchObject({ keptHits: 1, restores: 1 });
    await a.close();
    await b.execute("b3", OPTS); // b replays once more, then takes the place a left
    await b.execute("show", OPTS);
    expect(p.stats()).toMatchObject({ keptHits: 2, restores: 2 });
    await b.close();
  });

  it("starts the history again after a block that restarted the runtime", async () => {
    const p = pool({ kept: 0 });
    const t = p.session();
    await t.execute("a=1", OPTS);
    await t.execute("restart", OPTS);
    await t.execute("b=2", OPTS);
    expect((await t.execute("show", OPTS)).stdout).toBe("b=2\n");
    await t.close();
    // "a=1" was never replayed after the restart: the namespace had lost it.
    expect(FakeSandbox.made.slice(2).some((f) => f.ran.includes("a=1"))).toBe(false);
    expect(FakeSandbox.made.slice(2).every((f) => f.seeds.length === 1)).toBe(true);
  });

  it("discards an interpreter whose execute failed; the trace goes on by replay", async () => {
    const p = pool({ kept: 2 });
    const t = p.session();
    await t.execute("a=1", OPTS);
    await expect(t.execute("throw", OPTS)).rejects.toThrow("host failure");
    expect(FakeSandbox.made[0]!.disposed).toBe(true);
    expect((await t.execute("show", OPTS)).stdout).toBe("a=1\n");
    await t.close();
  });

  it("counts replayed blocks whose output changed (nondeterministic code)", async () => {
    let n = 0;
    FakeSandbox.made = [];
    const p = new SandboxPool({
      warm: 0,
      kept: 0,
      create: () => {
        const f = new FakeSandbox();
        const run = f.execute.bind(f);
        f.execute = async (code: string, o: ExecuteOptions) => (code === "clock" ? { ...(await run(code, o)), stdout: `${n++}\n` } : run(code, o));
        return f;
      },
    });
    const t = p.session();
    await t.execute("clock", OPTS);
    await t.execute("x", OPTS);
    expect(p.stats().divergedBlocks).toBe(1);
    await t.close();
  });

  it("refuses work after dispose and kills every interpreter", async () => {
    const p = pool({ kept: 2, warm: 2 });
    const t = p.session();
    await t.execute("a=1", OPTS);
    await p.dispose();
    expect(FakeSandbox.made.every((f) => f.disposed)).toBe(true);
    await expect(t.execute("b", OPTS)).rejects.toThrow(/closed|disposed/);
  });

  it("a trace waiting for its interpreter to boot does not hold an execution place", async () => {
    const p = bootingPool({ running: 1, kept: 4 }, null);
    const a = p.session();
    const first = a.execute("a=1", OPTS);
    await new Promise((r) => setTimeout(r, 1));
    (FakeSandbox.made[0] as BootingSandbox).boot();
    await first; // kept for a's next block
    const b = p.session();
    const bDone = b.execute("b=1", OPTS); // waits for a process that has not booted
    await new Promise((r) => setTimeout(r, 1));
    expect(FakeSandbox.made).toHaveLength(2);
    // a's next block runs on its kept interpreter while b's boot is still pending: b holds no place.
    expect((await a.execute("show", OPTS)).stdout).toBe("a=1\n");
    (FakeSandbox.made[1] as BootingSandbox).boot();
    await bDone;
    expect(p.stats()).toMatchObject({ executions: 3, keptHits: 1, peakRunning: 1 });
    await Promise.all([a.close(), b.close()]);
  });

  it("in a burst of first blocks, recycles used interpreters for the waiting traces instead of keeping them", async () => {
    const p = bootingPool({ running: 1, kept: 16 }, 40); // a boot takes longer than a block, as with Pyodide
    const traces = Array.from({ length: 8 }, () => p.session());
    const outputs = await Promise.all(traces.map(async (t) => (await t.execute("slow", OPTS), (await t.execute("show", OPTS)).stdout)));
    // Notebook semantics hold whether a trace kept its interpreter or replayed into a recycled one.
    expect(outputs).toEqual(Array(8).fill("slow\n"));
    const s = p.stats();
    // With room to keep all 8, a first block's interpreter still went to a waiting trace.
    expect(s.recycled).toBeGreaterThan(0);
    expect(s.keptHits).toBeLessThan(8);
    expect(s.executions).toBe(16);
    await Promise.all(traces.map((t) => t.close()));
  });

  it("bounds the processes alive and booting at once, however many traces wait", async () => {
    const p = bootingPool({ running: 1, kept: 1, warm: 1 });
    const traces = Array.from({ length: 12 }, () => p.session());
    await Promise.all(traces.map((t) => t.execute("slow", OPTS)));
    expect(BootingSandbox.peakLive).toBeLessThanOrEqual(1 + 1 + 2); // kept + warm + 2 × running
    expect(p.stats().executions).toBe(12);
    await Promise.all(traces.map((t) => t.close()));
    await p.dispose();
    expect(BootingSandbox.live).toBe(0);
  });

  it("never gives a recycled interpreter two traces at once", async () => {
    const p = bootingPool({ running: 2, kept: 0 });
    const traces = Array.from({ length: 6 }, () => p.session());
    await Promise.all(traces.map(async (t, i) => {
      await t.execute(`v${i}`, OPTS);
      await new Promise((r) => setTimeout(r, 1 + (i % 3)));
      expect((await t.execute("show", OPTS)).stdout).toBe(`v${i}\n`);
    }));
    await Promise.all(traces.map((t) => t.close()));
  });

  it("a process that cannot be started fails the waiting trace's block with the reason, and the pool goes on", async () => {
    let fail = true;
    const p = new SandboxPool({ warm: 0, running: 1, kept: 0, create: () => {
      if (fail) throw new Error("no Pyodide assets");
      return new FakeSandbox();
    } });
    const t = p.session();
    await expect(t.execute("a=1", OPTS)).rejects.toThrow("no Pyodide assets");
    fail = false;
    expect((await t.execute("show", OPTS)).stdout).toBe("\n");
    await t.close();
  });

  it("a trace that never runs code costs no interpreter", async () => {
    const p = pool({ warm: 2 });
    const t = p.session();
    await t.close();
    expect(FakeSandbox.made).toHaveLength(0);
    expect(p.stats().peakSessions).toBe(0);
  });
});
