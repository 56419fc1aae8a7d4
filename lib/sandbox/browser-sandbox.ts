import {
  SandboxResponseSchema,
  type ExecuteOptions,
  type ExecutionResult,
  type Sandbox,
  type SandboxRequest,
  type SandboxResponse,
} from "@/lib/protocol";
import { emptyResult, finishResult } from "./result";
import type { SandboxReadyInfo, SandboxStatus } from "./types";

export interface BrowserSandboxOptions {
  /** Where the Pyodide runtime and our worker are served (put there by scripts/prepare-assets.mjs). Default "/pyodide/". */
  indexURL?: string;
  /** The sympy bundle; `null` loads without sympy. Default `${indexURL}sympy-bundle.zip`. */
  sympyBundleURL?: string | null;
  /** Boot snapshot made by prepare-assets; `null` boots normally. Default `${indexURL}python-snapshot.bin.gz`. */
  snapshotURL?: string | null;
  /** How long Python gets to honour the timeout interrupt before the worker is replaced. Default 1000 ms. */
  graceMs?: number;
  /** Override worker creation (tests, a differently bundled worker). */
  createWorker?: () => Worker;
}

/**
 * The worker is lib/sandbox/pyodide.worker.ts, bundled by scripts/prepare-assets.mjs (esbuild)
 * into public/pyodide/ next to the runtime, NOT via `new Worker(new URL("./pyodide.worker.ts",
 * import.meta.url), { type: "module" })`: Next 16's Turbopack bundles such workers as classic
 * workers (its worker bootstrap drops `type` and loads chunks with importScripts), and
 * Pyodide 314 refuses to run in classic workers ("Classic web workers are not supported";
 * its runtime is ESM-only). A real module worker served from our origin avoids both.
 */
const WORKER_FILE = "hintlab-worker.js";
/** How long an interrupt Pyodide consumed may go unanswered before it is sent again. */
const INTERRUPT_RESEND_MS = 100;

type Response = SandboxResponse;
type Waiter = (msg: Response) => void;

/**
 * Python in the page: Pyodide in a module Web Worker that starts loading as soon as this
 * object is constructed (do that in an effect, not during server rendering). Executions and
 * resets are queued and run one at a time. At the time limit the shared interrupt flag makes
 * Python raise KeyboardInterrupt (namespace kept); if Python does not stop within `graceMs`,
 * or the page is not cross-origin isolated (no SharedArrayBuffer), the worker is terminated
 * and a fresh one started, and the result says the namespace was lost.
 *
 * ```ts
 * const sandbox = new BrowserSandbox();
 * sandbox.onStatusChange((s) => console.log(s));
 * const { loadMs, sympy } = await sandbox.ready;
 * const r = await sandbox.execute("print(1)", { timeoutMs: 10_000, maxOutputChars: 8_000 });
 * ```
 */
export class BrowserSandbox implements Sandbox {
  /** First load of the runtime. Rejects when Python cannot load at all (execute() then rejects too). */
  readonly ready: Promise<SandboxReadyInfo>;
  /** Infinite loops can be interrupted without losing the namespace (cross-origin isolated page). */
  readonly canInterrupt: boolean;
  private readonly indexURL: string;
  private readonly sympyBundleURL: string | undefined;
  private readonly snapshotURL: string | undefined;
  private readonly graceMs: number;
  private readonly createWorker: () => Worker;
  private readonly interruptFlag: Int32Array | undefined;
  private worker: Worker | undefined;
  private workerReady: Promise<SandboxReadyInfo>;
  private readonly waiters = new Map<number, Waiter>();
  private readonly listeners = new Set<(status: SandboxStatus) => void>();
  private currentStatus: SandboxStatus = "loading";
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;

  constructor(options: BrowserSandboxOptions = {}) {
    this.indexURL = options.indexURL ?? "/pyodide/";
    this.sympyBundleURL =
      options.sympyBundleURL === null ? undefined : (options.sympyBundleURL ?? `${this.indexURL}sympy-bundle.zip`);
    this.snapshotURL =
      options.snapshotURL === null ? undefined : (options.snapshotURL ?? `${this.indexURL}python-snapshot.bin.gz`);
    this.graceMs = options.graceMs ?? 1000;
    const workerURL = `${this.indexURL}${WORKER_FILE}`;
    this.createWorker =
      options.createWorker ?? (() => new Worker(workerURL, { type: "module", name: "hintlab-python" }));
    this.canInterrupt = typeof SharedArrayBuffer !== "undefined" && globalThis.crossOriginIsolated === true;
    this.interruptFlag = this.canInterrupt ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
    this.workerReady = this.startWorker();
    this.ready = this.workerReady;
    this.ready.catch(() => {}); // reported through status and execute(); never an unhandled rejection
  }

  get status(): SandboxStatus {
    return this.currentStatus;
  }

  /** Subscribe to status changes; returns the unsubscribe function. */
  onStatusChange(listener: (status: SandboxStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  execute(code: string, options: ExecuteOptions): Promise<ExecutionResult> {
    return this.enqueue(() => this.runExecute(code, options));
  }

  reset(): Promise<void> {
    return this.enqueue(async () => {
      await this.workerReady;
      const id = this.nextId++;
      await new Promise<Response>((resolve) => {
        this.waiters.set(id, resolve);
        this.post({ type: "reset", id });
      });
    });
  }

  async dispose(): Promise<void> {
    this.setStatus("disposed");
    this.worker?.terminate();
    this.worker = undefined;
    for (const [id, waiter] of this.waiters) waiter({ type: "crashed", id, message: "sandbox disposed" });
    this.waiters.clear();
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.currentStatus === "disposed") throw new Error("BrowserSandbox: disposed");
      return task();
    });
    this.queue = run.catch(() => {});
    return run;
  }

  private async runExecute(code: string, options: ExecuteOptions): Promise<ExecutionResult> {
    await this.workerReady;
    this.setStatus("busy");
    const id = this.nextId++;
    const started = performance.now();
    const timers: ReturnType<typeof setTimeout>[] = []; // timeouts and intervals: clearTimeout clears both
    let interruptSent = false;
    const result = await new Promise<ExecutionResult>((resolve) => {
      const restartWith = (restartReason: "timeout" | "no-interrupt" | "crash", crashDetail?: string) => {
        for (const t of timers) clearTimeout(t);
        this.waiters.delete(id);
        this.restart();
        resolve(
          finishResult(emptyResult(performance.now() - started), {
            interruptSent,
            interrupted: interruptSent,
            restarted: true,
            timeoutMs: options.timeoutMs,
            restartReason,
            crashDetail,
          }),
        );
      };
      this.waiters.set(id, (msg) => {
        for (const t of timers) clearTimeout(t);
        this.waiters.delete(id);
        if (msg.type === "crashed") {
          if (this.currentStatus === "disposed") resolve(emptyResult(performance.now() - started));
          else restartWith("crash", msg.message);
        } else if (msg.type === "result") {
          resolve(
            finishResult(msg.result, {
              interruptSent,
              interrupted: Boolean(msg.interrupted),
              restarted: false,
              timeoutMs: options.timeoutMs,
            }),
          );
        }
      });
      timers.push(
        setTimeout(() => {
          if (!this.interruptFlag) return restartWith("no-interrupt");
          interruptSent = true;
          const flag = this.interruptFlag;
          Atomics.store(flag, 0, 2); // SIGINT: KeyboardInterrupt at Python's next check
          // Pyodide occasionally consumes the flag (resets it to 0) without raising; raising
          // it again recovers instead of losing the namespace to a restart.
          timers.push(
            setInterval(() => {
              if (Atomics.load(flag, 0) === 0) Atomics.store(flag, 0, 2);
            }, INTERRUPT_RESEND_MS),
          );
          timers.push(setTimeout(() => restartWith("timeout"), this.graceMs));
        }, options.timeoutMs),
      );
      this.post({ type: "execute", id, code, options });
    });
    if (this.currentStatus === "busy") this.setStatus("ready");
    return result;
  }

  private startWorker(): Promise<SandboxReadyInfo> {
    const worker = this.createWorker();
    this.worker = worker;
    if (this.interruptFlag) Atomics.store(this.interruptFlag, 0, 0);
    const ready = new Promise<SandboxReadyInfo>((resolve, reject) => {
      worker.onmessage = (event: MessageEvent) => {
        if (worker !== this.worker) return;
        const parsed = SandboxResponseSchema.safeParse(event.data);
        if (!parsed.success) return;
        const msg = parsed.data;
        if (msg.type === "ready") {
          this.setStatus("ready");
          resolve({ loadMs: msg.loadMs, sympy: msg.sympy ?? false, python: msg.python, snapshot: msg.snapshot ?? false });
        } else if (msg.type === "load-failed") {
          this.setStatus("failed");
          reject(new Error(`Python failed to load: ${msg.message}`));
        } else {
          this.waiters.get(msg.id)?.(msg);
        }
      };
      worker.onerror = (event: ErrorEvent) => {
        if (worker !== this.worker) return;
        event.preventDefault();
        // A worker script that fails to load gives an ErrorEvent without a message.
        const message =
          event.message ||
          `could not start the Python worker ${this.indexURL}${WORKER_FILE} (is it built? run node scripts/prepare-assets.mjs)`;
        if (this.currentStatus === "loading" || this.currentStatus === "restarting") {
          this.setStatus("failed");
          reject(new Error(`Python failed to load: ${message}`));
        } else {
          for (const [id, waiter] of this.waiters) waiter({ type: "crashed", id, message });
        }
      };
    });
    ready.catch(() => {});
    this.post({
      type: "init",
      indexURL: this.indexURL,
      sympyBundleURL: this.sympyBundleURL,
      snapshotURL: this.snapshotURL,
      interruptBuffer: this.interruptFlag?.buffer as SharedArrayBuffer | undefined,
    });
    return ready;
  }

  /** Throw the runtime away and load a fresh one; the next queued request waits for it. */
  private restart(): void {
    if (this.currentStatus === "disposed") return;
    this.worker?.terminate();
    this.setStatus("restarting");
    this.workerReady = this.startWorker();
  }

  private post(msg: SandboxRequest): void {
    this.worker?.postMessage(msg);
  }

  private setStatus(status: SandboxStatus): void {
    if (this.currentStatus === status || this.currentStatus === "disposed") return;
    this.currentStatus = status;
    for (const listener of this.listeners) listener(status);
  }
}
