/// <reference lib="webworker" />
/**
 * Web Worker running Pyodide for the browser sandbox, as an ES module imported by a classic blob:
 * worker that the opaque-origin sandbox frame (lib/sandbox/sandbox-frame.ts) starts, so it shares
 * the frame's opaque origin and strict Content-Security-Policy (Pyodide sees a module worker: its
 * classic-worker probe, `importScripts("data:…")`, is refused by that CSP). Bundled into
 * public/pyodide/hintlab-worker.js by scripts/prepare-assets.mjs (see frame-document.ts for why
 * Next does not bundle it).
 *
 * Model code runs here, so nothing it can touch is trusted, and nothing it leaves behind may
 * run later:
 * - the frame's first message brings a private MessagePort, held only in this module's scope
 *   (model code reaches `globalThis` through `import js`, never module variables); requests
 *   and results travel on it or on shared memory, so `js.self.postMessage` cannot forge a
 *   result and a listener added by model code never sees a request;
 * - with shared memory, the worker never returns to its event loop after booting: it waits for
 *   the next request with `Atomics.wait`. Timers, promise callbacks, asyncio tasks, message and
 *   event listeners registered by model code therefore never run at all — nothing outlives the
 *   execution that registered it;
 * - after Pyodide has loaded, network and storage constructors are deleted from the global
 *   scope (the CSP already forbids any request outside the Pyodide files: defence in depth).
 */
import type { PyodideAPI } from "pyodide";
// Not "@/lib/protocol": its index would bundle every schema of the app (and all of zod) into
// this worker; this file and its one dependency are all it needs.
import { WorkerInitSchema, WorkerRequestSchema, type WorkerInit, type WorkerRequest, type WorkerResponse } from "@/lib/protocol/sandbox-frame";
import { PYTHON_RUNNER_SOURCE } from "./python-runner";
import { NO_REQUEST, readNextRequest } from "./request-channel";

type PyFn = ((...args: unknown[]) => unknown) & { destroy?: () => void };

interface Runtime {
  pyodide: PyodideAPI;
  run: PyFn;
  recover: PyFn;
  interruptFlag?: Int32Array;
}

const scope = self as unknown as DedicatedWorkerGlobalScope;
const stray = { stdout: "", stderr: "" };
// Captured before model code can replace the globals (it can reach `self`, not these).
const setTimer = scope.setTimeout.bind(scope);
const clearTimer = scope.clearTimeout.bind(scope);

async function boot(init: WorkerInit): Promise<{ rt: Runtime; ready: WorkerResponse }> {
  const started = performance.now();
  // Fetched in parallel with the runtime; a missing bundle only means no sympy.
  const bundle = init.sympyBundleURL
    ? fetch(init.sympyBundleURL)
        .then((r) => (r.ok ? r.arrayBuffer() : undefined))
        .catch(() => undefined)
    : Promise.resolve(undefined);
  // A runtime import of the self-hosted file, not a bundled `import "pyodide"`: Pyodide
  // locates pyodide.asm.mjs/.wasm and python_stdlib.zip relative to its own URL and carries
  // Node-only branches (node:fs, ws, child_process) that bundlers try to resolve.
  const { loadPyodide } = (await import(
    /* webpackIgnore: true */ /* turbopackIgnore: true */ `${init.indexURL}pyodide.mjs`
  )) as typeof import("pyodide");
  const options: Parameters<typeof loadPyodide>[0] = {
    indexURL: init.indexURL,
    env: { HOME: "/home/pyodide" },
    stdin: () => null, // input() sees end of file (a worker has no prompt())
    // Python-level output is captured by the runner; these only catch fd-level writes.
    stdout: (s) => void (stray.stdout += `${s}\n`),
    stderr: (s) => void (stray.stderr += `${s}\n`),
  };
  let pyodide: PyodideAPI | undefined;
  let snapshot = false;
  if (init.snapshotURL) {
    try {
      // Passed as a promise: the download overlaps the wasm compilation.
      pyodide = await loadPyodide({ ...options, _loadSnapshot: fetchGunzipped(init.snapshotURL) });
      snapshot = true;
    } catch (err) {
      console.warn("hintlab sandbox: booting without the snapshot:", err);
    }
  }
  pyodide ??= await loadPyodide(options);
  const ns = pyodide.globals.get("dict")();
  pyodide.runPython(PYTHON_RUNNER_SOURCE, { globals: ns, filename: "<hintlab-runner>" });
  const rt: Runtime = { pyodide, run: ns.get("run"), recover: ns.get("recover") };
  const zip = await bundle;
  let sympy = false;
  if (zip) {
    pyodide.FS.mkdirTree("/lib/hintlab");
    pyodide.FS.writeFile("/lib/hintlab/sympy-bundle.zip", new Uint8Array(zip));
    (ns.get("add_zip_to_path") as PyFn)("/lib/hintlab/sympy-bundle.zip");
    sympy = true;
  }
  if (init.shared) {
    rt.interruptFlag = new Int32Array(init.shared.interrupt);
    Atomics.store(rt.interruptFlag, 0, 0);
    pyodide.setInterruptBuffer(rt.interruptFlag);
  }
  const python = String(pyodide.runPython("import sys; sys.version.split()[0]"));
  ns.destroy();
  const loadMs = performance.now() - started;
  return { rt, ready: { type: "ready", loadMs, sympy, python, snapshot, interrupts: Boolean(init.shared) } };
}

/** The snapshot is served gzipped (6 MB instead of 31 MB); the static server does not compress it. */
async function fetchGunzipped(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok || !response.body) throw new Error(`snapshot: HTTP ${response.status}`);
  const stream = response.body.pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Everything that could send a request, open storage or start another thread, removed once
 * Pyodide no longer needs it. The frame's CSP is the wall (it allows only the Pyodide files
 * and no storage exists for an opaque origin); this makes even those unreachable from Python.
 */
const LOCKED_GLOBALS = [
  "fetch",
  "XMLHttpRequest",
  "WebSocket",
  "WebSocketStream",
  "EventSource",
  "WebTransport",
  "importScripts",
  "Worker",
  "SharedWorker",
  "BroadcastChannel",
  "indexedDB",
  "caches",
  "cookieStore",
  "Request",
  "FileReaderSync",
  "RTCPeerConnection",
  "RTCDataChannel",
] as const;

function lockDown(): void {
  const g = globalThis as Record<string, unknown>;
  for (const name of LOCKED_GLOBALS) {
    // Interface objects live on the global itself, operations of [Global] interfaces too; a
    // getter may also sit on a prototype. Delete everywhere, then shadow what survived.
    for (let o: object | null = g; o; o = Object.getPrototypeOf(o)) {
      if (Object.prototype.hasOwnProperty.call(o, name)) Reflect.deleteProperty(o, name);
    }
    if (name in g) {
      try {
        Object.defineProperty(g, name, { value: undefined, configurable: false, writable: false });
      } catch {
        // non-configurable and already undefined-able: nothing more to do
      }
    }
  }
  // navigator.sendBeacon does not exist in workers; storage managers and locks do.
  const nav = g.navigator as Record<string, unknown> | undefined;
  if (nav) {
    for (const name of ["storage", "locks", "serviceWorker", "sendBeacon"]) {
      try {
        Object.defineProperty(nav, name, { value: undefined, configurable: false, writable: false });
      } catch {
        // not present: fine
      }
    }
  }
}

interface RawRun {
  stdout: string;
  stderr: string;
  error: string | null;
  truncated: boolean;
  interrupted: boolean;
}

function execute(rt: Runtime, req: Extract<WorkerRequest, { type: "execute" }>): WorkerResponse {
  const started = performance.now();
  stray.stdout = stray.stderr = "";
  // A flag the frame set after the previous run had already finished must not hit this one.
  if (rt.interruptFlag) Atomics.store(rt.interruptFlag, 0, 0);
  const max = req.maxOutputChars;
  let raw: RawRun;
  try {
    raw = JSON.parse(String(rt.run(req.code, max))) as RawRun;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof Error && err.constructor.name === "PythonError") {
      // The timeout interrupt landed in the runner's own bookkeeping, outside its try.
      if (rt.interruptFlag) Atomics.store(rt.interruptFlag, 0, 0);
      try {
        raw = JSON.parse(String(rt.recover(max))) as RawRun;
      } catch (again) {
        return { type: "crashed", seq: req.seq, message: String(again).slice(0, 500) };
      }
    } else {
      // A JavaScript-level failure (wasm stack overflow, out of memory, Pyodide fatal error):
      // the runtime is unusable; the page restarts the frame and reports a crash.
      return { type: "crashed", seq: req.seq, message: message.slice(0, 500) };
    }
  }
  return {
    type: "result",
    seq: req.seq,
    interrupted: raw.interrupted,
    result: {
      stdout: raw.stdout + stray.stdout.slice(0, Math.max(0, max - raw.stdout.length)),
      stderr: raw.stderr + stray.stderr.slice(0, Math.max(0, max - raw.stderr.length)),
      ...(raw.error != null ? { error: raw.error } : {}),
      timedOut: false,
      truncated: raw.truncated,
      durationMs: performance.now() - started,
    },
  };
}

function handle(rt: Runtime, data: unknown): WorkerResponse | undefined {
  const parsed = WorkerRequestSchema.safeParse(data);
  if (!parsed.success) return undefined;
  return execute(rt, parsed.data);
}

/**
 * Serve requests written into shared memory, forever, without ever yielding to the event loop
 * (see the header: this is what makes timers and callbacks of model code dead).
 */
function serveBlocking(rt: Runtime, port: MessagePort, shared: NonNullable<WorkerInit["shared"]>): never {
  const control = new Int32Array(shared.control);
  const data = new Uint8Array(shared.data);
  const decoder = new TextDecoder();
  // Not the value control[0] holds now: the first request may already be there (request-channel.ts).
  let seen = NO_REQUEST;
  for (;;) {
    const next = readNextRequest(control, data, seen);
    if (!next) continue;
    seen = next.seq;
    let request: unknown;
    try {
      request = JSON.parse(decoder.decode(next.bytes));
    } catch {
      continue;
    }
    const response = handle(rt, request);
    if (!response) continue;
    port.postMessage(response);
    if (response.type === "crashed") {
      // The runtime is broken; the page replaces the whole frame. Stop touching it.
      for (;;) Atomics.wait(control, 0, Atomics.load(control, 0));
    }
  }
}

/**
 * Without shared memory (a frame that is not cross-origin isolated, e.g. a browser without
 * `allow="cross-origin-isolated"`) requests come on the private port, so the event loop runs
 * between executions. Best effort there: every timer created up to the end of an execution (and
 * by its promise callbacks) is cleared — timer ids are consecutive per worker. Listeners and
 * asyncio tasks of model code could still run between the blocks of one trace; the page replaces
 * the frame at every reset and every time limit (it cannot interrupt anyway).
 */
function serveEvents(rt: Runtime, port: MessagePort): void {
  let swept = 1;
  const sweepTimers = () => {
    const top = setTimer(() => {}, 0);
    for (let id = swept; id <= top; id++) clearTimer(id);
    swept = top + 1;
  };
  port.onmessage = (event: MessageEvent) => {
    const response = handle(rt, event.data);
    sweepTimers();
    // Promise callbacks of the model code run after this handler; sweep what they set, too.
    setTimer(sweepTimers, 0);
    if (response) port.postMessage(response);
  };
}

scope.onmessage = (event: MessageEvent) => {
  const parsed = WorkerInitSchema.safeParse(event.data);
  if (!parsed.success) return;
  // One init per worker; later messages on the global channel (which model code can also
  // post to the frame) mean nothing.
  scope.onmessage = null;
  const init = parsed.data;
  const port = init.port;
  boot(init).then(
    ({ rt, ready }) => {
      lockDown();
      port.postMessage(ready);
      if (init.shared) serveBlocking(rt, port, init.shared);
      else serveEvents(rt, port);
    },
    (err: unknown) => port.postMessage({ type: "load-failed", message: err instanceof Error ? err.message : String(err) } satisfies WorkerResponse),
  );
};
// The frame sends the init only after this (a dynamically imported module installs its handler
// late; a message sent earlier would be lost).
scope.postMessage({ type: "worker-loaded" });
