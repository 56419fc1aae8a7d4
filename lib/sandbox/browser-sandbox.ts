import {
  FrameResponseSchema,
  type ExecuteOptions,
  type ExecutionResult,
  type FrameRequest,
  type FrameResponse,
  type Sandbox,
} from "@/lib/protocol";
import { SANDBOX_FRAME_PATH, WORKER_SCRIPT } from "./frame-document";
import { capResult } from "./output-cap";
import { emptyResult, finishResult } from "./result";
import type { SandboxReadyInfo, SandboxStatus } from "./types";

/** A running sandbox frame, as the page sees it: a mailbox and a kill switch. */
export interface SandboxFrame {
  post(msg: FrameRequest): void;
  /** Remove the frame: its document, its worker and (if it has one of its own) its process go. */
  destroy(): void;
}

/** Starts a frame; `onMessage` receives what it posts (anything: the page validates it). */
export type CreateSandboxFrame = (onMessage: (data: unknown) => void) => SandboxFrame;

export interface BrowserSandboxOptions {
  /** Where the Pyodide runtime and our worker are served (put there by scripts/prepare-assets.mjs). Default "/pyodide/". */
  indexURL?: string;
  /** The sympy bundle; `null` loads without sympy. Default `${indexURL}sympy-bundle.zip`. */
  sympyBundleURL?: string | null;
  /** Boot snapshot made by prepare-assets; `null` boots normally. Default `${indexURL}python-snapshot.bin.gz`. */
  snapshotURL?: string | null;
  /** The frame document (app/sandbox/frame). Default "/sandbox/frame". */
  frameURL?: string;
  /** How long Python gets to honour the timeout interrupt before the frame is replaced. Default 1000 ms. */
  graceMs?: number;
  /** A frame that does not answer a ping for this long while running code is dead (crashed, out of memory). Default 2000 ms. */
  silenceMs?: number;
  /** A frame not ready after this long failed to load. Default 60 s. */
  loadTimeoutMs?: number;
  /**
   * Keep a second frame booted in the background once code has run, so a reset or a restart
   * swaps to a warm runtime instead of waiting for a cold one. Default true (costs the memory
   * of a second Pyodide while the page uses Python).
   */
  spareFrame?: boolean;
  /** How long no code must have run before the spare boots. Default 1500 ms. */
  spareAfterMs?: number;
  /** Override frame creation (tests). */
  createFrame?: CreateSandboxFrame;
}

const PING_EVERY_MS = 250;

/**
 * The default frame: a hidden `<iframe sandbox="allow-scripts">` (no allow-same-origin, so an
 * opaque origin) that may be cross-origin isolated, listened to only through its own window.
 */
function createIframe(frameURL: string): CreateSandboxFrame {
  return (onMessage) => {
    const iframe = document.createElement("iframe");
    iframe.setAttribute("sandbox", "allow-scripts");
    iframe.setAttribute("allow", "cross-origin-isolated");
    iframe.setAttribute("aria-hidden", "true");
    iframe.setAttribute("tabindex", "-1");
    iframe.title = "Python sandbox";
    iframe.dataset.hintlabSandbox = "";
    // Not display:none nor off-screen: browsers may deprioritise frames that are not rendered.
    iframe.style.cssText = "position:fixed;width:1px;height:1px;right:0;bottom:0;border:0;opacity:0;pointer-events:none";
    iframe.src = frameURL;
    const listener = (event: MessageEvent) => {
      // An opaque origin's event.origin is "null", which any sandboxed page can claim: the
      // window reference is the only thing that identifies our frame.
      if (event.source !== null && event.source === iframe.contentWindow) onMessage(event.data);
    };
    window.addEventListener("message", listener);
    (document.body ?? document.documentElement).appendChild(iframe);
    return {
      post: (msg) => iframe.contentWindow?.postMessage(msg, "*"),
      destroy: () => {
        window.removeEventListener("message", listener);
        iframe.remove();
      },
    };
  };
}

interface Pending {
  id: number;
  onMessage(msg: Extract<FrameResponse, { type: "result" | "crashed" }>): void;
}

/** One frame and what the page knows about it. */
interface Slot {
  frame: SandboxFrame;
  ready: Promise<SandboxReadyInfo>;
  isReady: boolean;
  failed: boolean;
  /** The frame reported working interrupts (and the page is isolated). */
  interrupts?: boolean;
  /** Code ran in it (a reset must replace it). */
  used: boolean;
}

/**
 * Python in the page: Pyodide in a Web Worker inside an opaque-origin sandboxed frame
 * (see lib/sandbox/sandbox-frame.ts and docs/architecture.md, "Trust boundaries"). The frame starts loading
 * as soon as this object is constructed (do that in the browser, not during server rendering).
 * Executions are queued and run one at a time.
 *
 * The page trusts nothing the frame says: every message is schema-checked and dropped unless it
 * answers the execution in flight; the page owns the time limit (at the limit it asks the frame
 * to raise KeyboardInterrupt, namespace kept; after `graceMs` more, or without interrupts, it
 * removes the frame and starts a new one), cuts output to `maxOutputChars` itself, measures the
 * duration, and treats a frame that stops answering pings as crashed. `reset()` replaces a used
 * frame with a fresh one (the only sure way to drop everything earlier code left behind): a
 * spare frame booted in the background after code first ran, so neither a new trace nor a
 * restart after a stuck run waits for a cold start.
 *
 * ```ts
 * const sandbox = new BrowserSandbox();
 * const { loadMs, sympy } = await sandbox.ready;
 * const r = await sandbox.execute("print(1)", { timeoutMs: 10_000, maxOutputChars: 8_000 });
 * ```
 */
export class BrowserSandbox implements Sandbox {
  /** First load of the runtime. Rejects when Python cannot load at all (execute() then rejects too). */
  readonly ready: Promise<SandboxReadyInfo>;
  private readonly indexURL: string;
  private readonly sympyBundleURL: string | undefined;
  private readonly snapshotURL: string | undefined;
  private readonly graceMs: number;
  private readonly silenceMs: number;
  private readonly loadTimeoutMs: number;
  private readonly createFrame: CreateSandboxFrame;
  private readonly pageIsolated: boolean;
  private readonly useSpare: boolean;
  private current: Slot;
  private spare: Slot | undefined;
  private spareTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly spareAfterMs: number;
  private pending: Pending | undefined;
  private lastPong = 0;
  private readonly listeners = new Set<(status: SandboxStatus) => void>();
  private currentStatus: SandboxStatus = "loading";
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  private nextPing = 1;

  constructor(options: BrowserSandboxOptions = {}) {
    const base = typeof location !== "undefined" ? location.href : "http://localhost/";
    this.indexURL = new URL(options.indexURL ?? "/pyodide/", base).href;
    this.sympyBundleURL =
      options.sympyBundleURL === null ? undefined : new URL(options.sympyBundleURL ?? "sympy-bundle.zip", this.indexURL).href;
    this.snapshotURL =
      options.snapshotURL === null ? undefined : new URL(options.snapshotURL ?? "python-snapshot.bin.gz", this.indexURL).href;
    this.graceMs = options.graceMs ?? 1000;
    this.silenceMs = options.silenceMs ?? 2000;
    this.loadTimeoutMs = options.loadTimeoutMs ?? 60_000;
    this.createFrame = options.createFrame ?? createIframe(new URL(options.frameURL ?? SANDBOX_FRAME_PATH, base).href);
    this.useSpare = options.spareFrame ?? true;
    this.spareAfterMs = options.spareAfterMs ?? 1500;
    this.pageIsolated = typeof SharedArrayBuffer !== "undefined" && globalThis.crossOriginIsolated === true;
    this.current = this.startFrame();
    this.ready = this.current.ready;
    this.ready.catch(() => {}); // reported through status and execute(); never an unhandled rejection
  }

  /**
   * Infinite loops can be interrupted without losing the namespace. Before the frame has
   * reported, the page's own cross-origin isolation (which the frame inherits) is the guess.
   */
  get canInterrupt(): boolean {
    return this.current.interrupts ?? this.pageIsolated;
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

  /** A clean runtime for the next trace: a used frame is replaced (by the spare, else by a frame booting in the background). */
  reset(): Promise<void> {
    return this.enqueue(async () => {
      if (this.current.used || this.current.failed) this.restart();
    });
  }

  async dispose(): Promise<void> {
    this.setStatus("disposed");
    clearTimeout(this.spareTimer);
    this.current.frame.destroy();
    this.spare?.frame.destroy();
    this.spare = undefined;
    this.pending?.onMessage({ type: "crashed", id: this.pending.id, message: "sandbox disposed" });
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
    // A restart while waiting (none is queued before us, but a spare may be swapped in) means
    // waiting for the new current frame.
    let slot = this.current;
    for (;;) {
      await slot.ready;
      if (slot === this.current) break;
      slot = this.current;
    }
    if (this.currentStatus === "disposed") throw new Error("BrowserSandbox: disposed");
    const frame = slot.frame;
    slot.used = true;
    clearTimeout(this.spareTimer);
    this.setStatus("busy");
    const id = this.nextId++;
    const started = performance.now();
    const elapsed = () => performance.now() - started;
    const timers: ReturnType<typeof setTimeout>[] = []; // timeouts and intervals: clearTimeout clears both
    let interruptSent = false;
    let ping: { n: number; sentAt: number } | undefined;
    const result = await new Promise<ExecutionResult>((resolve) => {
      let done = false;
      const finish = (r: ExecutionResult) => {
        if (done) return;
        done = true;
        for (const t of timers) clearTimeout(t);
        if (this.pending?.id === id) this.pending = undefined;
        resolve(r);
      };
      const restartWith = (restartReason: "timeout" | "no-interrupt" | "crash", crashDetail?: string) => {
        if (done) return;
        const disposed = this.currentStatus === "disposed";
        if (!disposed) this.restart(restartReason === "crash");
        finish(
          disposed
            ? emptyResult(elapsed())
            : finishResult(emptyResult(elapsed()), {
                interruptSent,
                interrupted: interruptSent,
                restarted: true,
                timeoutMs: options.timeoutMs,
                restartReason,
                crashDetail,
              }),
        );
      };
      this.pending = {
        id,
        onMessage: (msg) => {
          if (msg.id !== id || done) return;
          if (msg.type === "crashed") return restartWith("crash", msg.message);
          finish(
            finishResult(capResult(msg.result, options.maxOutputChars, elapsed()), {
              interruptSent,
              interrupted: msg.interrupted,
              restarted: false,
              timeoutMs: options.timeoutMs,
            }),
          );
        },
      };
      timers.push(
        setTimeout(() => {
          if (!this.canInterrupt) return restartWith("no-interrupt");
          interruptSent = true;
          frame.post({ type: "interrupt", id });
          timers.push(setTimeout(() => restartWith("timeout"), this.graceMs));
        }, options.timeoutMs),
      );
      // The frame's main thread never runs Python, so it answers at once; silence means its
      // process died (a memory bomb) or hangs. Checked by sent time, so a throttled page timer
      // only checks later, never wrongly.
      timers.push(
        setInterval(() => {
          if (ping && ping.n <= this.lastPong) ping = undefined;
          if (ping && performance.now() - ping.sentAt > this.silenceMs) {
            return restartWith("crash", "the sandbox stopped responding, probably out of memory");
          }
          if (!ping) {
            ping = { n: this.nextPing++, sentAt: performance.now() };
            frame.post({ type: "ping", n: ping.n });
          }
        }, PING_EVERY_MS),
      );
      frame.post({ type: "execute", id, code, maxOutputChars: options.maxOutputChars });
    });
    if (this.currentStatus === "busy") this.setStatus("ready");
    this.prepareSpare();
    return result;
  }

  /**
   * Boot the spare once no code has run for SPARE_AFTER_QUIET_MS: the model is writing again,
   * and a boot (seconds of CPU) does not compete with code the model is waiting for.
   */
  private prepareSpare(): void {
    clearTimeout(this.spareTimer);
    if (!this.useSpare || this.spare) return;
    this.spareTimer = setTimeout(() => {
      if (this.spare || this.pending || this.currentStatus === "disposed" || !this.current.isReady) return;
      this.spare = this.startFrame();
    }, this.spareAfterMs);
  }

  /** Create a frame and follow its boot; it becomes the current one only through `current`. */
  private startFrame(): Slot {
    const started = performance.now();
    let settle: { resolve(info: SandboxReadyInfo): void; reject(err: Error): void } | undefined;
    const ready = new Promise<SandboxReadyInfo>((resolve, reject) => (settle = { resolve, reject }));
    ready.catch(() => {});
    const fail = (message: string) => {
      if (!settle) return;
      clearTimeout(loadTimer);
      settle.reject(new Error(`Python failed to load: ${message}`));
      settle = undefined;
      slot.failed = true;
      if (slot === this.current) this.setStatus("failed");
      else if (slot === this.spare) {
        // A spare that cannot load is simply not there; the next restart boots a frame itself.
        slot.frame.destroy();
        this.spare = undefined;
      }
    };
    const loadTimer = setTimeout(() => fail("the sandbox frame did not start in time"), this.loadTimeoutMs);
    let initSent = false;
    let destroyed = false;
    const frame = this.createFrame((data) => {
      if (destroyed) return;
      const parsed = FrameResponseSchema.safeParse(data);
      if (!parsed.success) return;
      const msg = parsed.data;
      switch (msg.type) {
        case "frame-loaded":
          if (initSent) return;
          initSent = true;
          frame.post({
            type: "init",
            workerURL: new URL(WORKER_SCRIPT, this.indexURL).href,
            indexURL: this.indexURL,
            sympyBundleURL: this.sympyBundleURL,
            snapshotURL: this.snapshotURL,
          });
          return;
        case "ready":
          if (!settle) return;
          clearTimeout(loadTimer);
          // Interrupts need shared memory in the frame, which needs the page isolated too.
          slot.interrupts = msg.interrupts && this.pageIsolated;
          slot.isReady = true;
          settle.resolve({ loadMs: performance.now() - started, sympy: msg.sympy, python: msg.python, snapshot: msg.snapshot });
          settle = undefined;
          if (slot === this.current && this.currentStatus !== "busy") this.setStatus("ready");
          return;
        case "load-failed":
          return fail(msg.message);
        case "pong":
          if (slot === this.current) this.lastPong = Math.max(this.lastPong, msg.n);
          return;
        default:
          // Nothing runs before ready, and only the current frame runs anything.
          if (!settle && slot === this.current) this.pending?.onMessage(msg);
      }
    });
    const slot: Slot = {
      frame: {
        post: (msg) => frame.post(msg),
        destroy: () => {
          destroyed = true;
          clearTimeout(loadTimer);
          frame.destroy();
        },
      },
      ready,
      isReady: false,
      failed: false,
      used: false,
    };
    return slot;
  }

  /** Throw the runtime away for a fresh one (the spare if there is one); the next queued request waits for it. */
  private restart(crashed = false): void {
    if (this.currentStatus === "disposed") return;
    this.current.frame.destroy();
    if (crashed && this.spare) {
      // Sandboxed frames of one site may share a process: what killed this one may have killed
      // the spare too, so start from scratch.
      this.spare.frame.destroy();
      this.spare = undefined;
    }
    const next = this.spare ?? this.startFrame();
    this.spare = undefined;
    this.current = next;
    if (next.isReady) this.setStatus("ready");
    else this.setStatus("restarting");
  }

  private setStatus(status: SandboxStatus): void {
    if (this.currentStatus === status || this.currentStatus === "disposed") return;
    this.currentStatus = status;
    for (const listener of this.listeners) listener(status);
  }
}
