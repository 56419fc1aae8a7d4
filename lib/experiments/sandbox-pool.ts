import "server-only";
import { randomInt } from "node:crypto";
import { availableParallelism, totalmem } from "node:os";
import type { ExecuteOptions, ExecutionResult, Sandbox } from "@/lib/protocol";
import { NodeSandbox } from "@/lib/sandbox/node";

export interface SandboxPoolOptions {
  /** Python executions running at once (they are CPU-bound). Default: the CPU count. */
  running?: number;
  /** Booted, never-used interpreters kept ready, so a trace's next block rarely waits for a boot. Default: `running`. */
  warm?: number;
  /**
   * Used interpreters kept alive between a trace's blocks, so its next block needs no replay.
   * Each costs ~250 MB of resident memory and no CPU while idle. Default: as many as fit in a
   * quarter of the machine's memory, at least `running`.
   */
  kept?: number;
  create?: () => Sandbox;
}

/** What the pool did, for benches and tests. */
export interface SandboxPoolStats {
  executions: number;
  /** Executions served by the trace's own kept interpreter (no replay). */
  keptHits: number;
  /** Executions that needed a fresh interpreter with earlier blocks replayed into it. */
  restores: number;
  replayedBlocks: number;
  replayMs: number;
  /** Replayed blocks whose output differed from the first run (time, unseeded randomness): the namespace may differ too. */
  divergedBlocks: number;
  /** Most executions seen running at once, and most trace sessions with code seen live at once. */
  peakRunning: number;
  peakSessions: number;
  /** New Python processes started, and processes given a fresh interpreter for another trace. */
  booted: number;
  recycled: number;
}

/** One earlier block of a trace, as it is replayed: its code, the limits it ran with, a digest of what it printed. */
interface Block {
  code: string;
  options: ExecuteOptions;
  digest: string;
}

const PROCESS_MB = 256;
/** A process serves at most this many traces (one fresh Python thread each) before it is replaced: a bound on anything that might accumulate in it. */
const MAX_RECYCLES = 64;

/** Executions whose namespace was lost (the runtime restarted), as counted by NodeSandbox; 0 for hosts that do not count. */
function restartsOf(s: Sandbox): number {
  return (s as { restarts?: number }).restarts ?? 0;
}

function digest(r: ExecutionResult): string {
  return `${r.stdout.length}:${r.stdout}\u0000${r.error ?? ""}`;
}

/**
 * Python for experiment traces and the grader, where no trace ever holds an interpreter while
 * its model is thinking — only while its code runs. (Before, a trace kept one of `cores`
 * processes from its first block to its end, so tool-using traces queued behind each other
 * while the model server idled: 0.36× greedy's tokens/s at concurrency 16.)
 *
 * Isolation: an interpreter serves one trace only, from a fresh start (restored from the boot
 * snapshot) until it is thrown away; nothing one trace did — patched builtins or modules, files,
 * JavaScript globals, timers — can reach another trace or the grader. A process whose trace is
 * done is given a fresh interpreter (a new Python thread: new V8 isolate, new wasm instance) for
 * the next trace instead of being killed, since a new process costs twice the CPU.
 *
 * Notebook semantics: a trace's later blocks see its earlier definitions. After each block the
 * trace's interpreter is *kept* for its next block when memory allows (`kept`); when it is not,
 * the next block gets a fresh interpreter into which the trace's earlier blocks are silently
 * replayed first (their output discarded; `random` is seeded per trace so replays draw the
 * same numbers). Replay was chosen over snapshotting a trace's interpreter because Pyodide's
 * memory snapshot cannot be taken after arbitrary user code (open proxies, loaded modules), and
 * the blocks a model writes are short next to its thinking; where a block restarted the
 * runtime (timeout, crash, memory), the history starts again after it, as the namespace did.
 *
 * Kept interpreters are not evicted for newcomers: a trace that finds the kept set full replays
 * instead. Traces alternate between long model turns and short blocks at similar periods, so the
 * interpreter kept longest is the one needed soonest — evicting it (LRU) would turn every block
 * into a replay once traces outnumber `kept`; keeping the incumbents serves `kept` of them
 * without replay for their whole life.
 *
 * ```ts
 * const pool = new SandboxPool();
 * const trace = pool.session();
 * await trace.execute("n = 41", opts);
 * await trace.execute("print(n + 1)", opts); // "42\n", whether kept or replayed
 * await trace.close();
 * ```
 */
export class SandboxPool {
  readonly running: number;
  readonly warm: number;
  readonly kept: number;
  private readonly create: () => Sandbox;
  /** Ready, never-used interpreters. */
  private readonly fresh: Sandbox[] = [];
  /** Traces waiting for a fresh interpreter, in arrival order. */
  private readonly wantFresh: { resolve: (s: Sandbox) => void; reject: (e: Error) => void }[] = [];
  /** Interpreters being made ready: new processes booting, and used ones being recycled. */
  private readonly preparing = new Set<Sandbox>();
  private readonly keptBy = new Map<object, Sandbox>();
  private readonly inUse = new Set<Sandbox>();
  private active = 0;
  /** New processes not yet ready (a subset of `preparing`). */
  private booting = 0;
  private sessions = 0;
  private readonly waiting: (() => void)[] = [];
  private disposed = false;
  private readonly counts: SandboxPoolStats = {
    executions: 0,
    keptHits: 0,
    restores: 0,
    replayedBlocks: 0,
    replayMs: 0,
    divergedBlocks: 0,
    peakRunning: 0,
    peakSessions: 0,
    booted: 0,
    recycled: 0,
  };

  /** `new SandboxPool(2)` is `{ running: 2 }`, as before the options existed. */
  constructor(options: SandboxPoolOptions | number = {}, create?: () => Sandbox) {
    const o = typeof options === "number" ? { running: options, create } : options;
    this.running = Math.max(1, o.running ?? availableParallelism());
    this.warm = Math.max(0, o.warm ?? this.running);
    this.kept = Math.max(0, o.kept ?? Math.max(this.running, Math.floor((totalmem() / 1048576 / 4) / PROCESS_MB)));
    this.create = o.create ?? (() => new NodeSandbox({ warmSpare: false }));
  }

  stats(): SandboxPoolStats {
    return { ...this.counts };
  }

  /** A Sandbox for one trace. It holds an interpreter only while its code runs (and, when kept, between blocks). */
  session(): Sandbox & { close(): Promise<void> } {
    const key = {};
    let history: Block[] = [];
    let started = false;
    let closed = false;
    let queue: Promise<unknown> = Promise.resolve();
    const seed = randomInt(0, 2 ** 31);
    const run = async (code: string, options: ExecuteOptions): Promise<ExecutionResult> => {
      if (closed || this.disposed) throw new Error("SandboxPool: the session is closed");
      if (!started) {
        started = true;
        this.counts.peakSessions = Math.max(this.counts.peakSessions, ++this.sessions);
      }
      // The interpreter first, then an execution place: a trace waiting for a boot or a
      // recycle must not hold one of the `running` places (on 2 cores, two traces waiting for
      // boots would otherwise stall every trace whose interpreter is ready).
      const own = this.keptBy.get(key);
      this.keptBy.delete(key);
      if (own) this.counts.keptHits++;
      const sandbox = own ?? (await this.takeFresh());
      this.inUse.add(sandbox);
      let placed = false;
      let handedOn = false; // kept or discarded as the block ended; else discarded in `finally`
      try {
        await this.slot();
        placed = true;
        if (!own && history.length > 0) await this.replay(sandbox, seed, history);
        const before = restartsOf(sandbox);
        // The first block of a history is seeded, in the first run as in every replay.
        const result = await sandbox.execute(code, history.length === 0 ? { ...options, seed } : options);
        this.counts.executions++;
        if (restartsOf(sandbox) !== before) {
          // The runtime restarted under this block: its namespace is gone, in this trace's
          // history as in the interpreter (which is not kept: the next block starts fresh).
          history = [];
          this.discard(sandbox);
        } else {
          history.push({ code, options, digest: digest(result) });
          this.keep(key, sandbox, closed, history.length === 1);
        }
        handedOn = true;
        return result;
      } finally {
        if (!handedOn) this.discard(sandbox); // execute or replay threw: the interpreter is in an unknown state
        if (placed) this.release();
      }
    };
    return {
      // One block at a time per trace, in order (the engine never overlaps them; this makes sure).
      execute: (code, options) => {
        const next = queue.then(() => run(code, options));
        queue = next.catch(() => undefined);
        return next;
      },
      reset: async () => undefined,
      dispose: async () => undefined,
      close: async () => {
        closed = true;
        await queue;
        const own = this.keptBy.get(key);
        this.keptBy.delete(key);
        if (own) this.discard(own);
        if (started) this.sessions--;
        history = [];
      },
    };
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const all = [...this.fresh.splice(0), ...this.keptBy.values(), ...this.inUse, ...this.preparing];
    this.keptBy.clear();
    this.inUse.clear();
    this.preparing.clear();
    for (const w of this.waiting.splice(0)) w(); // each wakes to 'disposed'
    for (const w of this.wantFresh.splice(0)) w.reject(new Error("SandboxPool: disposed"));
    await Promise.all(all.map((s) => s.dispose().catch(() => undefined)));
  }

  /** The trace's earlier blocks replayed into a fresh interpreter (their output discarded). */
  private async replay(sandbox: Sandbox, seed: number, history: Block[]): Promise<void> {
    this.counts.restores++;
    const t0 = performance.now();
    for (const [i, block] of history.entries()) {
      const again = await sandbox.execute(block.code, i === 0 ? { ...block.options, seed } : block.options);
      if (digest(again) !== block.digest) this.counts.divergedBlocks++;
    }
    this.counts.replayedBlocks += history.length;
    this.counts.replayMs += performance.now() - t0;
  }

  /**
   * A ready fresh interpreter: from the stock, else the next one to become ready. A new process
   * is started only when the boots and recycles already under way are fewer than the traces
   * waiting: a recycle (~0.3 s of CPU) beats a new process (~0.7 s), and in a burst of first
   * blocks every process started is one more to feed later.
   */
  private takeFresh(): Promise<Sandbox> {
    const ready = this.fresh.shift();
    if (ready) {
      this.inUse.add(ready); // counted as alive from the hand-off on, not only once the taker resumes
      this.refill();
      return Promise.resolve(ready);
    }
    const wanted = new Promise<Sandbox>((resolve, reject) => this.wantFresh.push({ resolve, reject }));
    this.bootForWaiters();
    return wanted;
  }

  /**
   * Enough interpreters on their way for the traces waiting for one — within bounds: at most
   * `running` processes booting at once (a boot is ~0.7 s of CPU; more at once only slow the
   * executions sharing the cores), and at most `kept + warm + 2 × running` processes alive
   * (~250 MB each). Past those, a waiter gets the next recycled interpreter: every trace that
   * finishes a block hands one back while others wait.
   */
  private bootForWaiters(): void {
    while (
      !this.disposed &&
      this.preparing.size < this.wantFresh.length &&
      this.booting < this.running &&
      this.alive() < this.kept + this.warm + 2 * this.running
    )
      this.boot();
  }

  private alive(): number {
    return this.fresh.length + this.preparing.size + this.inUse.size + this.keptBy.size;
  }

  /** Start a new process; once it is ready (or failed: its execute then says why) it serves the first waiter or joins the stock. */
  private boot(): void {
    this.counts.booted++;
    let sandbox: Sandbox;
    try {
      sandbox = this.create();
    } catch (err) {
      // Could not even start one (no Pyodide assets, spawn refused): the trace waiting longest hears why.
      this.wantFresh.shift()?.reject(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    this.booting++;
    this.preparing.add(sandbox);
    const ready = (sandbox as { ready?: Promise<unknown> }).ready ?? Promise.resolve();
    const done = () => {
      this.booting--;
      this.preparing.delete(sandbox);
      this.offer(sandbox);
      this.bootForWaiters();
    };
    ready.then(done, done);
  }

  /** A ready interpreter to the trace waiting longest, else to the stock. */
  private offer(sandbox: Sandbox): void {
    if (this.disposed) {
      void sandbox.dispose().catch(() => undefined);
      return;
    }
    const next = this.wantFresh.shift();
    if (next) {
      this.inUse.add(sandbox);
      next.resolve(sandbox);
    }
    else this.fresh.push(sandbox);
  }

  /**
   * Boot ahead while the pool is small, so the first traces' first blocks rarely wait. Under
   * load interpreters come back (recycled) about as fast as traces take them, so booting ahead
   * then would only start processes that the returning ones make surplus (and kill).
   */
  private refill(): void {
    while (!this.disposed && this.alive() < this.warm) this.boot();
  }

  /**
   * After a block, the interpreter waits for the trace's next one while there is room — except
   * after a trace's first block while other traces wait for an interpreter: whether a trace writes
   * a second block is unknown then, and a paper:rounds=1 trace never does, so in a burst of first
   * blocks keeping would start a process per trace. A trace with two blocks has shown it writes
   * more, and is kept.
   */
  private keep(key: object, sandbox: Sandbox, closed: boolean, firstBlock: boolean): void {
    this.inUse.delete(sandbox);
    if (closed || this.disposed || this.keptBy.size >= this.kept || (firstBlock && this.wantFresh.length > 0)) this.discard(sandbox);
    else this.keptBy.set(key, sandbox);
  }

  /**
   * Done with an interpreter: its process gets a fresh Python thread and joins the ready stock
   * (see NodeSandbox.recycle: about half the CPU of a new process), or is killed when the stock
   * is full (warm + 4 per running place: under load traces take them back as fast as they come), the
   * host cannot recycle, or the process has served MAX_RECYCLES traces already.
   */
  private discard(sandbox: Sandbox): void {
    this.inUse.delete(sandbox);
    const r = sandbox as Sandbox & { recycle?: () => Promise<void>; recycled?: number };
    const idle = this.fresh.length + this.preparing.size;
    const surplus = idle >= this.warm + 4 * this.running && this.wantFresh.length <= this.preparing.size;
    if (this.disposed || !r.recycle || surplus || (r.recycled ?? 0) >= MAX_RECYCLES) {
      void sandbox.dispose().catch(() => undefined);
      this.bootForWaiters();
      return;
    }
    this.preparing.add(sandbox);
    r.recycle().then(
      () => {
        this.preparing.delete(sandbox);
        this.counts.recycled++;
        this.offer(sandbox);
      },
      () => {
        this.preparing.delete(sandbox);
        void sandbox.dispose().catch(() => undefined);
        this.bootForWaiters(); // a waiter may have counted on this one
      },
    );
  }

  /** A place among the `running` executions; a released place passes straight to the next waiter. */
  private async slot(): Promise<void> {
    if (this.active < this.running) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.disposed) throw new Error("SandboxPool: disposed");
    this.counts.peakRunning = Math.max(this.counts.peakRunning, this.active);
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}
