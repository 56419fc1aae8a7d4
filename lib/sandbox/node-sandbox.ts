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
   * CPython in ~4 s). Default: public/pyodide/python-snapshot.bin.gz when it exists; `null` boots normally.
   */
  snapshotPath?: string | null;
  /** Memory cap of the Python process in MB (JS heap and wasm heap each). Default 1024. */
  maxMemoryMb?: number;
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

/**
 * Python for the CLI and the experiment runner: Pyodide in a separate Node process started
 * with an empty environment, Node's permission model (read-only access to Pyodide, the sympy
 * bundle and its own script; no writes, no child processes), a memory cap, and a per-run
 * time limit enforced by interrupting Python (namespace kept) or, failing that, restarting
 * the runtime (namespace lost, said in the error). Executions run one at a time, in order.
 *
 * ```ts
 * const sandbox = new NodeSandbox();
 * await sandbox.ready; // optional: execute() waits for it
 * const r = await sandbox.execute("print(1+1)", { timeoutMs: 10_000, maxOutputChars: 8_000 });
 * await sandbox.dispose();
 * ```
 */
export class NodeSandbox implements Sandbox {
  /** First start of the Python process. Rejects if it cannot start at all. */
  readonly ready: Promise<SandboxReadyInfo>;
  private readonly pyodideDir: string;
  private readonly sympyBundlePath: string | undefined;
  private readonly snapshotPath: string | undefined;
  private readonly maxMemoryMb: number;
  private readonly graceMs: number;
  private readonly startupTimeoutMs: number;
  private readonly onLog: (line: string) => void;
  private child: ChildProcess | undefined;
  private childReady: Promise<SandboxReadyInfo> | undefined;
  private listener: ((msg: SandboxResponse) => void) | undefined;
  private exitListener: ((detail: string) => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  private disposed = false;

  constructor(options: NodeSandboxOptions = {}) {
    this.pyodideDir = options.pyodideDir ?? defaultPyodideDir();
    const bundle =
      options.sympyBundlePath === undefined
        ? path.join(REPO_ROOT, "public", "pyodide", "sympy-bundle.zip")
        : options.sympyBundlePath;
    this.sympyBundlePath = bundle && fs.existsSync(bundle) ? path.resolve(bundle) : undefined;
    const snapshot =
      options.snapshotPath === undefined
        ? path.join(REPO_ROOT, "public", "pyodide", "python-snapshot.bin.gz")
        : options.snapshotPath;
    this.snapshotPath = snapshot && fs.existsSync(snapshot) ? path.resolve(snapshot) : undefined;
    this.maxMemoryMb = options.maxMemoryMb ?? 1024;
    this.graceMs = options.graceMs ?? 1000;
    this.startupTimeoutMs = options.startupTimeoutMs ?? 60_000;
    this.onLog = options.onLog ?? (() => {});
    this.ready = this.start();
    this.ready.catch(() => {}); // surfaced by execute(); an unobserved rejection must not crash the CLI
  }

  execute(code: string, options: ExecuteOptions): Promise<ExecutionResult> {
    return this.enqueue(() => this.runExecute(code, options));
  }

  reset(): Promise<void> {
    return this.enqueue(async () => {
      await this.ensureChild();
      const id = this.nextId++;
      await this.request({ type: "reset", id }, (m) => m.type === "reset-done" && m.id === id, this.startupTimeoutMs);
    });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.kill();
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.disposed) throw new Error("NodeSandbox: disposed");
      return task();
    });
    this.queue = run.catch(() => {});
    return run;
  }

  private async runExecute(code: string, options: ExecuteOptions): Promise<ExecutionResult> {
    await this.ensureChild();
    const id = this.nextId++;
    const started = performance.now();
    const watchdog = options.timeoutMs + this.graceMs + WATCHDOG_SLACK_MS;
    let msg: ResultMessage;
    try {
      msg = (await this.request(
        { type: "execute", id, code, options },
        (m) => m.type === "result" && m.id === id,
        watchdog,
      )) as ResultMessage;
    } catch (err) {
      // The process died or stopped answering: whatever it held is gone.
      this.kill();
      this.childReady = undefined;
      return finishResult(emptyResult(performance.now() - started), {
        interruptSent: false,
        interrupted: false,
        restarted: true,
        timeoutMs: options.timeoutMs,
        restartReason: "crash",
        crashDetail: err instanceof Error ? err.message : String(err),
      });
    }
    const { result } = msg;
    if (msg.restarted) {
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

  private ensureChild(): Promise<SandboxReadyInfo> {
    if (!this.childReady) this.childReady = this.start();
    return this.childReady;
  }

  private start(): Promise<SandboxReadyInfo> {
    const readPaths = [CHILD_SCRIPT, this.pyodideDir, this.sympyBundlePath, this.snapshotPath].filter(
      (p): p is string => Boolean(p),
    );
    const args = [
      permissionFlag(),
      ...readPaths.map((p) => `--allow-fs-read=${p}`),
      // Pyodide must run in a worker thread so this process's main thread can interrupt it.
      "--allow-worker",
      `--max-old-space-size=${this.maxMemoryMb}`,
      // Caps Pyodide's wasm heap (64 KiB pages): Python gets MemoryError instead of 4 GB.
      `--wasm-max-mem-pages=${Math.floor((this.maxMemoryMb * 1024 * 1024) / 65536)}`,
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
      for (const line of d.split("\n")) if (line.trim()) this.onLog(line);
    });
    child.on("message", (raw) => {
      if (child !== this.child) return;
      const parsed = SandboxResponseSchema.safeParse(raw);
      if (!parsed.success) {
        this.onLog(`sandbox: invalid message from the Python process: ${parsed.error.message}`);
        return;
      }
      this.listener?.(parsed.data);
    });
    child.on("exit", (code, signal) => {
      if (child !== this.child) return;
      this.child = undefined;
      this.childReady = undefined;
      this.exitListener?.(`the Python process exited (${signal ?? `code ${code}`})`);
    });
    child.on("error", (err) => this.onLog(`sandbox: ${err.message}`));
    child.send({
      type: "init",
      pyodideDir: this.pyodideDir,
      sympyBundlePath: this.sympyBundlePath,
      snapshotPath: this.snapshotPath,
      runnerSource: PYTHON_RUNNER_SOURCE,
      maxMemoryMb: this.maxMemoryMb,
      graceMs: this.graceMs,
    });
    const ready = this.waitFor((m) => m.type === "ready" || m.type === "load-failed", this.startupTimeoutMs).then(
      (m) => {
        if (m.type === "load-failed") throw new Error(`NodeSandbox: Python failed to load: ${m.message}`);
        const r = m as ReadyMessage;
        this.idle();
        return { loadMs: r.loadMs, sympy: r.sympy ?? false, python: r.python, snapshot: r.snapshot ?? false };
      },
      (err: unknown) => {
        this.kill();
        throw err instanceof Error ? new Error(`NodeSandbox: Python failed to start: ${err.message}`) : err;
      },
    );
    this.childReady = ready;
    return ready;
  }

  private request(
    msg: Record<string, unknown>,
    match: (m: SandboxResponse) => boolean,
    timeoutMs: number,
  ): Promise<SandboxResponse> {
    const child = this.child;
    if (!child?.connected) return Promise.reject(new Error("the Python process is not running"));
    this.busy();
    const answer = this.waitFor(match, timeoutMs);
    child.send(msg);
    return answer.finally(() => this.idle());
  }

  /** One waiter at a time: the queue guarantees a single request in flight. */
  private waitFor(match: (m: SandboxResponse) => boolean, timeoutMs: number): Promise<SandboxResponse> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`no answer from the Python process after ${timeoutMs} ms`)), timeoutMs);
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
      this.exitListener = (detail) => done(new Error(detail));
    });
  }

  /** While waiting for nothing, the child must not keep the CLI's event loop alive. */
  private idle(): void {
    const c = this.child;
    c?.unref();
    (c?.channel as { unref?: () => void } | undefined)?.unref?.();
    (c?.stderr as { unref?: () => void } | null | undefined)?.unref?.();
  }

  private busy(): void {
    const c = this.child;
    c?.ref();
    (c?.channel as { ref?: () => void } | undefined)?.ref?.();
    (c?.stderr as { ref?: () => void } | null | undefined)?.ref?.();
  }

  private kill(): void {
    const c = this.child;
    this.child = undefined;
    this.childReady = undefined;
    if (c && c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  }
}
