/**
 * Script of the sandbox frame (app/sandbox/frame/route.ts serves the document; bundled into
 * public/pyodide/hintlab-frame.js by scripts/prepare-assets.mjs). The frame is an iframe with
 * `sandbox="allow-scripts"` (opaque origin: no cookies, no storage, no same-origin requests to
 * the app) and a CSP that allows nothing but the Pyodide files. It starts the Pyodide worker
 * from a blob: URL (an opaque origin may not start a worker from an http URL; a blob worker
 * inherits the frame's origin and CSP), relays the page's requests to it and its answers back.
 *
 * The frame's own main thread never runs model code, so it answers pings while Python is busy
 * and writes the interrupt flag the page asks for. It talks only to its parent window.
 */
import {
  FrameRequestSchema,
  WorkerResponseSchema,
  type FrameRequest,
  type FrameResponse,
  type WorkerInit,
  type WorkerResponse,
} from "@/lib/protocol/sandbox-frame"; // not the index: see pyodide.worker.ts
import { WORKER_SOURCE_ID } from "./frame-document";
import { capResult } from "./output-cap";
import { writeRequest } from "./request-channel";

/** Room for one request's JSON in shared memory (code is at most a few kB in practice). */
const DATA_BYTES = 8 * 1024 * 1024;
/** How long an interrupt Pyodide consumed may go unanswered before it is raised again. */
const INTERRUPT_RESEND_MS = 100;

const parentWindow = window.parent;
const isolated = globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer !== "undefined";

interface Pending {
  id: number;
  seq: number;
  maxOutputChars: number;
  resend?: ReturnType<typeof setInterval>;
}

let worker: Worker | undefined;
let port: MessagePort | undefined;
let control: Int32Array | undefined;
let data: Uint8Array | undefined;
let interrupt: Int32Array | undefined;
let loading = false;
let broken = false;
let pending: Pending | undefined;
let seq = 0;
const encoder = new TextEncoder();

const reply = (msg: FrameResponse) => parentWindow.postMessage(msg, "*");

function start(init: Extract<FrameRequest, { type: "init" }>): void {
  if (worker) return;
  loading = true;
  // A classic worker from a blob: URL. Chromium refuses module workers from blob: URLs in an
  // opaque origin, and a data: worker would get an origin of its own and lose cross-origin
  // isolation; a classic blob worker keeps the frame's origin, isolation and CSP (its dynamic
  // import() of Pyodide is checked against script-src). Its source is the worker bundle the
  // document carries as inert text (no request; an opaque origin never hits the HTTP cache), or
  // a one-line import of it when the document was served without it.
  const inline = document.getElementById(WORKER_SOURCE_ID)?.textContent;
  // The bundle is written as a module; run as a classic script its top-level `var`s would become
  // properties of the global object, which model code reaches through `import js`. A function
  // scope keeps them private.
  const source = inline
    ? `(() => {\n${inline}\n})();\n`
    : `import(${JSON.stringify(init.workerURL)}).catch((e) => postMessage({ type: "worker-failed", message: String(e) }));\n`;
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  worker = new Worker(url, { name: "hintlab-python" });
  URL.revokeObjectURL(url);
  const channel = new MessageChannel();
  port = channel.port1;
  port.onmessage = (event: MessageEvent) => onWorkerMessage(event.data);
  worker.onerror = (event: ErrorEvent) => {
    event.preventDefault();
    fail(event.message || "the Python worker stopped");
  };
  let shared: WorkerInit["shared"];
  if (isolated) {
    shared = {
      control: new SharedArrayBuffer(8),
      data: new SharedArrayBuffer(DATA_BYTES),
      interrupt: new SharedArrayBuffer(4),
    };
    control = new Int32Array(shared.control);
    data = new Uint8Array(shared.data);
    interrupt = new Int32Array(shared.interrupt);
  }
  const message: WorkerInit = {
    type: "init",
    indexURL: init.indexURL,
    sympyBundleURL: init.sympyBundleURL,
    snapshotURL: init.snapshotURL,
    port: channel.port2,
    shared,
  };
  // The worker script says it has loaded (its handler is installed) on the global channel; after
  // that, anything on that channel comes from model code and is ignored: the real worker answers
  // only on the private port.
  const w = worker;
  w.onmessage = (event: MessageEvent) => {
    const hello = event.data as { type?: unknown; message?: unknown } | null;
    if (hello?.type === "worker-failed") return fail(String(hello.message).slice(0, 500));
    if (hello?.type !== "worker-loaded") return;
    w.onmessage = null;
    w.postMessage(message, [channel.port2]);
  };
}

function fail(message: string): void {
  if (broken) return;
  broken = true;
  if (loading) reply({ type: "load-failed", message: message.slice(0, 2000) });
  else if (pending) reply({ type: "crashed", id: pending.id, message: message.slice(0, 2000) });
  finishPending();
}

function finishPending(): void {
  if (pending?.resend) clearInterval(pending.resend);
  pending = undefined;
}

function onWorkerMessage(raw: unknown): void {
  const parsed = WorkerResponseSchema.safeParse(raw);
  if (!parsed.success) return;
  const msg: WorkerResponse = parsed.data;
  if (msg.type === "ready") {
    loading = false;
    const { type: _type, ...info } = msg;
    reply({ type: "ready", ...info, python: info.python?.slice(0, 40) });
  } else if (msg.type === "load-failed") {
    fail(msg.message);
  } else if (pending && msg.seq === pending.seq) {
    const { id, maxOutputChars } = pending;
    finishPending();
    if (msg.type === "crashed") {
      broken = true;
      reply({ type: "crashed", id, message: msg.message.slice(0, 2000) });
    } else {
      // Cut here too (the page cuts again): model code can disable the runner's own cap, and an
      // oversized message would only be dropped by the page, losing the real output.
      const result = capResult(msg.result, maxOutputChars, msg.result.durationMs);
      reply({ type: "result", id, result, interrupted: msg.interrupted });
    }
  }
}

function execute(req: Extract<FrameRequest, { type: "execute" }>): void {
  if (!port || loading || broken || pending) return;
  pending = { id: req.id, seq: ++seq, maxOutputChars: req.maxOutputChars };
  const request = { type: "execute", seq: pending.seq, code: req.code, maxOutputChars: req.maxOutputChars };
  if (control && data) {
    if (interrupt) Atomics.store(interrupt, 0, 0);
    if (!writeRequest(control, data, pending.seq, encoder.encode(JSON.stringify(request)))) {
      finishPending();
      reply({
        type: "result",
        id: req.id,
        interrupted: false,
        result: { stdout: "", stderr: "", error: "ValueError: the code block is too long to run", timedOut: false, truncated: false, durationMs: 0 },
      });
      return;
    }
  } else {
    port.postMessage(request);
  }
}

function raiseInterrupt(id: number): void {
  const flag = interrupt;
  if (!flag || !pending || pending.id !== id || pending.resend) return;
  Atomics.store(flag, 0, 2); // SIGINT: KeyboardInterrupt at Python's next check
  // Pyodide occasionally consumes the flag (resets it to 0) without raising; raising it again
  // recovers instead of losing the namespace to a restart.
  pending.resend = setInterval(() => {
    if (Atomics.load(flag, 0) === 0) Atomics.store(flag, 0, 2);
  }, INTERRUPT_RESEND_MS);
}

window.addEventListener("message", (event: MessageEvent) => {
  if (event.source !== parentWindow) return;
  const parsed = FrameRequestSchema.safeParse(event.data);
  if (!parsed.success) return;
  const req = parsed.data;
  if (req.type === "ping") reply({ type: "pong", n: req.n });
  else if (req.type === "init") start(req);
  else if (req.type === "execute") execute(req);
  else raiseInterrupt(req.id);
});

reply({ type: "frame-loaded", isolated });
