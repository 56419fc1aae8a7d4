import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  SandboxResponseSchema,
  type ExecuteOptions,
  type ExecutionResult,
  type Sandbox,
  type SandboxResponse,
} from "@/lib/protocol";
import { PYTHON_RUNNER_SOURCE } from "./python-runner";
import { emptyResult, finishResult } from "./result";
import type { SandboxReadyInfo } from "./types";

export type { SandboxReadyInfo } from "./types";

export interface NodeSandboxOptions {
  /** Directory of the `pyodide` npm package. Default: resolved from node_modules. */
  pyodideDir?: string;
  /**
   * The sympy bundle built by scripts/prepare-assets.mjs. Default:
   * public/pyodide/sympy-bundle.zip when it exists; `null` runs without sympy.
   */
  sympyBundlePath?: string | null;
  /**
   * Boot snapshot made by scripts/prepare-assets.mjs (restores in ~0.5 s instead of booting
   * CPython in ~4 s), gzipped (`.gz`) or not. Default: public/pyodide/python-snapshot.bin, else
   * python-snapshot.bin.gz, when it exists; `null` boots normally.
   */
  snapshotPath?: string | null;
  /**
   * Memory cap of the whole Python process in MB (resident memory: wasm heap, JS heaps and
   * every ArrayBuffer). Default 1024. Python's own allocations get MemoryError first (its wasm
   * heap is capped below this); anything else that crosses it kills the process.
   */
  maxMemoryMb?: number;
  /**
   * Keep a second, already booted process so that `reset()` (a new trace) swaps to a fresh
   * interpreter without waiting for a cold start. Default true; a host that runs one trace
   * per sandbox (the `hintlab infer` CLI) turns it off to save the boot.
   */
  warmSpare?: boolean;
  /** How long Python gets to honour the timeout interrupt before the runtime is killed. Default 1000 ms. */
  graceMs?: number;
  /** Give up starting the Python process after this long. Default 60 s. */
  startupTimeoutMs?: number;
  /** Diagnostics written by the child process (never user output). */
  onLog?: (line: string) => void;
}

type ReadyMessage = Extract<SandboxResponse, { type: "ready" }>;
type ResultMessage = Extract<SandboxResponse, { type: "result" }>;

/**
 * The project directory. From source (tsx, Vitest) it is two levels above this module; inside
 * Next's server bundle `import.meta.url` points into .next/ and bundler-rewritten `new URL()` /
 * `require.resolve` give asset ids, not paths, so there we use the directory the server runs
 * in (`npm start` runs from the project). Either way the child script must be found there.
 */
function findRepoRoot(): string {
  const isRoot = (dir: string) => fs.existsSync(path.join(/* turbopackIgnore: true */ dir, "lib", "sandbox", "node-sandbox-child.mjs"));
  try {
    const fromModule = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
    if (isRoot(fromModule)) return fromModule;
  } catch {
    // import.meta.url is not a file URL in this host: fall through.
  }
  return process.cwd();
}
const REPO_ROOT = findRepoRoot();
const CHILD_SCRIPT = path.join(/* turbopackIgnore: true */ REPO_ROOT, "lib", "sandbox", "node-sandbox-child.mjs");
/** Time allowed, after timeout + grace, for the child to report before it is killed. */
const WATCHDOG_SLACK_MS = 15_000;
/** How often the parent reads the child's resident memory (the child checks itself every 10 ms). */
const RSS_POLL_MS = 50;
/** Exit code of a child that stopped itself for exceeding its memory cap. */
const MEMORY_EXIT_CODE = 86;

function defaultPyodideDir(): string {
  // Resolved from the project at run time (a literal specifier would be rewritten by the bundler).
  const require = createRequire(path.join(/* turbopackIgnore: true */ REPO_ROOT, "package.json"));
  const specifier = ["pyodide", "package.json"].join("/");
  return path.dirname(require.resolve(/* turbopackIgnore: true */ specifier));
}

/** Node ≥ 22 renamed the flag; 20 only knows the experimental spelling. */
function permissionFlag(): string {
  const major = Number(process.versions.node.split(".")[0]);
  return major >= 22 ? "--permission" : "--experimental-permission";
}

/** Resident memory of `pid` in MB from /proc (Linux); undefined where unavailable. */
function residentMb(pid: number): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/**
 * `{type: "memory-exceeded", rssMb}`: sent by the child's controller just before it stops
 * itself for passing the memory cap, so the parent reports a memory error rather than a
 * crash. Node-only, hence not in the shared protocol the browser worker also speaks.
 */
function memoryExceededMb(raw: unknown): number | undefined {
  const m = raw as { type?: unknown; rssMb?: unknown } | null;
  return m?.type === "memory-exceeded" && typeof m.rssMb === "number" && Number.isFinite(m.rssMb) ? m.rssMb : undefined;
}

interface ProcessConfig {
  pyodideDir: string;
  sympyBundlePath: string | undefined;
  snapshotPath: string | undefined;
  maxMemoryMb: number;
  graceMs: number;
  startupTimeoutMs: number;
  onLog: (line: string) => void;
}

/** Why a process died while serving a request, as far as the parent can tell. */
class ProcessDied extends Error {
  constructor(
    message: string,
    readonly memoryMb?: number,
  ) {
    super(message);
  }
}

/**
 * One isolated Python process: spawned locked down, booted, then serving one request at a
 * time until it is killed. Everything a trace can touch (the interpreter, its modules, the
 * in-memory file system, JavaScript globals, timers) lives and dies with this process.
 */
class PythonProcess {
  readonly ready: Promise<SandboxReadyInfo>;
  /** Code has run here: the process belongs to a trace and must not serve another. */
  used = false;
  private readonly child: ChildProcess;
  private alive = true;
  private killed = false;
  private booted = false;
  private paused = false;
  private pausedSince = 0;
  private pausedTotal = 0;
  private listener: ((msg: SandboxResponse) => void) | undefined;
  private exitListener: ((err: ProcessDied) => void) | undefined;
  /** Set when the process was stopped for using too much memory (resident MB seen). */
  private memoryMb: number | undefined;
  private readonly rssTimer: NodeJS.Timeout | undefined;

  constructor(private readonly cfg: ProcessConfig) {
    const readPaths = [CHILD_SCRIPT, cfg.pyodideDir, cfg.sympyBundlePath, cfg.snapshotPath].filter((p): p is string => Boolean(p));
    // Python's own heap (wasm, 64 KiB pages) is capped at 3/4 of the process cap, so ordinary
    // big allocations (bytearray, lists) end in MemoryError with the namespace kept; the rest
    // of the cap is for the runtime itself. JS-side allocations (ArrayBuffer, Buffer, more
    // WebAssembly.Memory objects) are not covered by any V8 heap flag: the resident-memory
    // checks (the child's own every 10 ms, ours below) stop the process instead.
    const wasmPages = Math.floor((cfg.maxMemoryMb * 0.75 * 1024 * 1024) / 65536);
    const args = [
      permissionFlag(),
      ...readPaths.map((p) => `--allow-fs-read=${p}`),
      // Pyodide must run in a worker thread so this process's main thread can interrupt it.
      "--allow-worker",
      // The controller thread only moves messages; the Python thread has its own limits.
      "--max-old-space-size=256",
      `--wasm-max-mem-pages=${wasmPages}`,
      // No eval/new Function: Python cannot build JavaScript from strings to undo the lockdown.
      "--disallow-code-generation-from-strings",
      "--no-warnings",
      CHILD_SCRIPT,
    ];
    const child = spawn(process.execPath, args, {
      // Empty on purpose: API keys and paths of the host stay out of reach. (The cast only
      // satisfies Next's typing of ProcessEnv, which declares NODE_ENV as required.)
      env: {} as NodeJS.ProcessEnv,
      cwd: "/",
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      serialization: "json",
    });
    this.child = child;
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (d: string) => {
      for (const line of d.split("\n")) if (line.trim()) cfg.onLog(line);
    });
    child.on("message", (raw) => {
      const memoryMb = memoryExceededMb(raw);
      if (memoryMb !== undefined) {
        this.memoryMb = memoryMb;
        return;
      }
      const parsed = SandboxResponseSchema.safeParse(raw);
      if (!parsed.success) {
        cfg.onLog(`sandbox: invalid message from the Python process: ${parsed.error.message}`);
        return;
      }
      this.listener?.(parsed.data);
    });
    child.on("exit", (code, signal) => {
      this.alive = false;
      clearInterval(this.rssTimer);
      if (code === MEMORY_EXIT_CODE) this.memoryMb ??= cfg.maxMemoryMb;
      const detail = this.memoryMb !== undefined ? "memory limit" : `the Python process exited (${signal ?? `code ${code}`})`;
      this.exitListener?.(new ProcessDied(detail, this.memoryMb));
    });
    child.on("error", (err) => cfg.onLog(`sandbox: ${err.message}`));
    // The outer memory guard: the child watches itself more often, but a child too busy (or
    // too broken) to do so is still stopped here. Linux only (/proc); elsewhere the child's
    // own check is the guard.
    if (child.pid !== undefined && residentMb(child.pid) !== undefined) {
      const pid = child.pid;
      this.rssTimer = setInterval(() => {
        const mb = residentMb(pid);
        if (mb !== undefined && mb > cfg.maxMemoryMb && this.alive) {
          this.memoryMb = mb;
          this.kill();
        }
      }, RSS_POLL_MS);
      this.rssTimer.unref();
    }
    child.send({
      type: "init",
      pyodideDir: cfg.pyodideDir,
      sympyBundlePath: cfg.sympyBundlePath,
      snapshotPath: cfg.snapshotPath,
      runnerSource: PYTHON_RUNNER_SOURCE,
      maxMemoryMb: cfg.maxMemoryMb,
      graceMs: cfg.graceMs,
    });
    this.ready = this.waitFor((m) => m.type === "ready" || m.type === "load-failed", cfg.startupTimeoutMs).then(
      (m) => {
        if (m.type === "load-failed") throw new Error(`NodeSandbox: Python failed to load: ${m.message}`);
        const r = m as ReadyMessage;
        this.booted = true;
        this.idle();
        return { loadMs: r.loadMs, sympy: r.sympy ?? false, python: r.python, snapshot: r.snapshot ?? false };
      },
      (err: unknown) => {
        this.kill();
        throw err instanceof Error ? new Error(`NodeSandbox: Python failed to start: ${err.message}`) : err;
      },
    );
    this.ready.catch(() => {}); // surfaced by whoever awaits it
  }

  /**
   * A spare still booting is stopped (SIGSTOP) while the current trace's code runs and
   * continued afterwards, so its boot uses the time the trace spends waiting for the model,
   * never the CPU its Python needs (2-core machines). No-op where signals do not exist.
   */
  pause(): void {
    if (this.booted || !this.isAlive || this.paused) return;
    try {
      this.paused = this.child.kill("SIGSTOP");
    } catch {
      this.paused = false;
    }
    if (this.paused) this.pausedSince = performance.now();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.pausedTotal += performance.now() - this.pausedSince;
    try {
      this.child.kill("SIGCONT");
    } catch {
      /* gone */
    }
  }

  /** Booted and not dead: can serve at once. */
  get isBooted(): boolean {
    return this.booted && this.isAlive;
  }

  get isAlive(): boolean {
    return this.alive && !this.killed;
  }

  request(msg: Record<string, unknown>, match: (m: SandboxResponse) => boolean, timeoutMs: number): Promise<SandboxResponse> {
    if (!this.isAlive || !this.child.connected) return Promise.reject(new ProcessDied("the Python process is not running"));
    this.busy();
    const answer = this.waitFor(match, timeoutMs);
    this.child.send(msg);
    return answer.finally(() => this.idle());
  }

  kill(): void {
    const c = this.child;
    if (this.alive && c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    this.killed = true; // dead to us now, though its exit event comes later
    clearInterval(this.rssTimer);
  }

  /** Total time this process has been stopped by pause(), up to now. */
  private pausedMs(): number {
    return this.pausedTotal + (this.paused ? performance.now() - this.pausedSince : 0);
  }

  /** One waiter at a time: the sandbox's queue guarantees a single request in flight. */
  private waitFor(match: (m: SandboxResponse) => boolean, timeoutMs: number): Promise<SandboxResponse> {
    return new Promise((resolve, reject) => {
      if (!this.alive) {
        reject(new ProcessDied("the Python process is not running", this.memoryMb));
        return;
      }
      // Time spent stopped by pause() does not count: a spare starved by a long run of
      // executions is slow to boot, not broken.
      const startedAt = performance.now();
      const pausedAtStart = this.pausedMs();
      let timer: NodeJS.Timeout;
      const arm = (ms: number) => {
        timer = setTimeout(() => {
          const left = startedAt + timeoutMs + (this.pausedMs() - pausedAtStart) - performance.now();
          if (this.paused || left > 0) arm(Math.max(left, 100));
          else done(new ProcessDied(`no answer from the Python process after ${timeoutMs} ms`));
        }, ms);
      };
      arm(timeoutMs);
      const done = (err: Error | undefined, m?: SandboxResponse) => {
        clearTimeout(timer);
        this.listener = undefined;
        this.exitListener = undefined;
        if (err) reject(err);
        else resolve(m!);
      };
      this.listener = (m) => {
        if (match(m)) done(undefined, m);
      };
      this.exitListener = (err) => done(err);
    });
  }

  /** While waiting for nothing, the child must not keep the CLI's event loop alive. */
  private idle(): void {
    const c = this.child;
    c.unref();
    (c.channel as { unref?: () => void } | undefined)?.unref?.();
    (c.stderr as { unref?: () => void } | null)?.unref?.();
  }

  private busy(): void {
    const c = this.child;
    c.ref();
    (c.channel as { ref?: () => void } | undefined)?.ref?.();
    (c.stderr as { ref?: () => void } | null)?.ref?.();
  }
}

/**
 * Python for the CLI and the experiment runner: Pyodide in a separate Node process started
 * with an empty environment, Node's permission model (read-only access to Pyodide, the sympy
 * bundle and its own script; no writes, no child processes), a memory cap on the whole
 * process, and a per-run time limit enforced by interrupting Python (namespace kept) or,
 * failing that, restarting the runtime (namespace lost, said in the error). Executions run
 * one at a time, in order.
 *
 * **One process per trace.** `reset()` (the start of a new trace) does not clean the old
 * interpreter: it kills the process and switches to a fresh one, so nothing a trace did —
 * patched builtins, `sys.modules` or the runner itself, files in Pyodide's in-memory file
 * system, JavaScript globals, pending timers, leaked memory — can reach the next trace.
 * Cleaning in place cannot promise that (model code can patch the very code that would clean),
 * a fresh process can. To keep a new trace from paying the cold start (~1.5 s), a spare process
 * boots in the background while the current one serves its trace (`warmSpare`), so a reset
 * costs a process swap. (A later "Python never limits concurrency" design, restoring a fresh
 * interpreter from a snapshot per execution and replaying the trace's earlier blocks, fits
 * behind the same `execute`/`reset` contract.)
 *
 * ```ts
 * const sandbox = new NodeSandbox();
 * await sandbox.ready; // optional: execute() waits for it
 * const r = await sandbox.execute("print(1+1)", { timeoutMs: 10_000, maxOutputChars: 8_000 });
 * await sandbox.reset(); // next trace: a fresh interpreter
 * await sandbox.dispose();
 * ```
 */
export class NodeSandbox implements Sandbox {
  /** First start of the Python process. Rejects if it cannot start at all. */
  readonly ready: Promise<SandboxReadyInfo>;
  private readonly cfg: ProcessConfig;
  private readonly warmSpare: boolean;
  private current: PythonProcess | undefined;
  private spare: PythonProcess | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  private disposed = false;
  /**
   * Executions so far under which the runtime restarted (timeout without interrupt, crash,
   * memory cap): the namespace was lost there. The experiment pool reads it to know where a
   * trace's replayable history starts again.
   */
  restarts = 0;

  constructor(options: NodeSandboxOptions = {}) {
    const bundle =
      options.sympyBundlePath === undefined
        ? path.join(REPO_ROOT, "public", "pyodide", "sympy-bundle.zip")
        : options.sympyBundlePath;
    // The uncompressed copy when prepare-assets made it (no gunzip per boot), else the gzipped one.
    const raw = path.join(REPO_ROOT, "public", "pyodide", "python-snapshot.bin");
    const snapshot =
      options.snapshotPath === undefined
        ? fs.existsSync(raw)
          ? raw
          : path.join(REPO_ROOT, "public", "pyodide", "python-snapshot.bin.gz")
        : options.snapshotPath;
    this.cfg = {
      pyodideDir: options.pyodideDir ?? defaultPyodideDir(),
      sympyBundlePath: bundle && fs.existsSync(bundle) ? path.resolve(bundle) : undefined,
      snapshotPath: snapshot && fs.existsSync(snapshot) ? path.resolve(snapshot) : undefined,
      maxMemoryMb: options.maxMemoryMb ?? 1024,
      graceMs: options.graceMs ?? 1000,
      startupTimeoutMs: options.startupTimeoutMs ?? 60_000,
      onLog: options.onLog ?? (() => {}),
    };
    this.warmSpare = options.warmSpare ?? true;
    this.current = new PythonProcess(this.cfg);
    this.ready = this.current.ready;
  }

  execute(code: string, options: ExecuteOptions): Promise<ExecutionResult> {
    return this.enqueue(() => this.runExecute(code, options));
  }

  /**
   * A new trace: switch to a fresh process (the warm spare when there is one) and kill the old
   * one. Cheap when nothing ran since the last reset. Resolves before the fresh process has
   * finished booting; the next `execute` waits for it.
   */
  reset(): Promise<void> {
    return this.enqueue(async () => {
      if (this.current?.isAlive && !this.current.used) return;
      this.current?.kill();
      this.current = undefined;
      this.process();
    });
  }

  /**
   * A fresh interpreter in the same process, for a new trace: the child replaces its Python
   * thread (a new V8 isolate and wasm instance, from the boot snapshot), which is what it already
   * does after code that will not stop. Nothing of the last trace's interpreter survives — its
   * JS realm, wasm memory, files (Pyodide's file system lives in that memory), timers and
   * callbacks die with the thread, and the process gives threads no way to write files, spawn,
   * or change its environment. About half the CPU of a new process (~0.35 s against ~0.75 s),
   * since V8 keeps the compiled wasm per process. Rejects if the process cannot do it (dead,
   * busy); the caller then disposes the sandbox.
   */
  recycle(): Promise<void> {
    return this.enqueue(async () => {
      const proc = this.current;
      if (!proc?.isAlive) throw new Error("NodeSandbox: no process to recycle");
      await proc.ready;
      if (!proc.used) return; // nothing ran: it is fresh already
      const m = await proc.request({ type: "fresh" }, (r) => r.type === "ready" || r.type === "load-failed", this.cfg.startupTimeoutMs);
      if (m.type === "load-failed") {
        proc.kill();
        throw new Error(`NodeSandbox: Python failed to load again: ${m.message}`);
      }
      proc.used = false;
      this.recycled++;
    });
  }

  /** Times this sandbox's process was given a fresh interpreter by {@link recycle}. */
  recycled = 0;

  async dispose(): Promise<void> {
    this.disposed = true;
    this.current?.kill();
    this.spare?.kill();
    this.current = this.spare = undefined;
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.disposed) throw new Error("NodeSandbox: disposed");
      return task();
    });
    this.queue = run.catch(() => {});
    return run;
  }

  /** The process serving the current trace, replacing a dead one (by the spare if it lives). */
  private process(): PythonProcess {
    if (!this.current?.isAlive) {
      const spare = this.spare?.isAlive ? this.spare : undefined;
      this.spare = undefined;
      spare?.resume();
      this.current = spare ?? new PythonProcess(this.cfg);
    }
    return this.current;
  }

  /**
   * Boot the next trace's process once the current one has served its first execution (a
   * trace that never runs code needs no spare). It is paused while code runs (see pause()).
   */
  private prepareSpare(): void {
    if (!this.warmSpare || this.disposed || this.spare?.isAlive) return;
    this.spare = new PythonProcess(this.cfg);
  }

  private async runExecute(code: string, options: ExecuteOptions): Promise<ExecutionResult> {
    const proc = this.process();
    const started = performance.now();
    proc.used = true;
    try {
      await proc.ready;
    } catch (err) {
      if (proc === this.current) this.current = undefined;
      throw err;
    }
    const id = this.nextId++;
    const watchdog = options.timeoutMs + this.cfg.graceMs + WATCHDOG_SLACK_MS;
    let msg: ResultMessage;
    const spare = this.spare;
    spare?.pause();
    try {
      msg = (await proc.request({ type: "execute", id, code, options }, (m) => m.type === "result" && m.id === id, watchdog)) as ResultMessage;
    } catch (err) {
      spare?.resume();
      this.prepareSpare();
      this.restarts++;
      // The process died (memory cap, crash) or stopped answering: whatever it held is gone.
      proc.kill();
      const memoryMb = err instanceof ProcessDied ? err.memoryMb : undefined;
      return finishResult(emptyResult(performance.now() - started), {
        interruptSent: false,
        interrupted: false,
        restarted: true,
        timeoutMs: options.timeoutMs,
        ...(memoryMb !== undefined
          ? { restartReason: "memory" as const, memoryLimitMb: this.cfg.maxMemoryMb }
          : { restartReason: "crash" as const, crashDetail: err instanceof Error ? err.message : String(err) }),
      });
    }
    // The child replaced its Python thread (stuck code, a crash): the namespace is gone
    // either way, so with a booted spare at hand the trace continues there instead of
    // waiting for the child's own reboot.
    spare?.resume();
    if (msg.restarted && this.spare?.isBooted) proc.kill();
    this.prepareSpare();
    const { result } = msg;
    if (msg.restarted) {
      this.restarts++;
      const crash = !msg.interrupted;
      return finishResult(
        { ...result, error: undefined },
        {
          interruptSent: true,
          interrupted: Boolean(msg.interrupted),
          restarted: true,
          timeoutMs: options.timeoutMs,
          restartReason: crash ? "crash" : "timeout",
          crashDetail: crash ? result.error : undefined,
        },
      );
    }
    return finishResult(result, {
      interruptSent: Boolean(msg.interrupted),
      interrupted: Boolean(msg.interrupted),
      restarted: false,
      timeoutMs: options.timeoutMs,
    });
  }
}
