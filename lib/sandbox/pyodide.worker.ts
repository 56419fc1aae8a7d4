/// <reference lib="webworker" />
/**
 * Module Web Worker running Pyodide for the browser sandbox (driven by BrowserSandbox).
 * Bundled into public/pyodide/hintlab-worker.js by scripts/prepare-assets.mjs (see
 * browser-sandbox.ts for why it is not bundled by Next).
 * Boots on the client's `init` message, which the client posts right after creating the
 * worker, so Python loads while the model is still thinking. Runs one request at a time;
 * timeouts are the client's job (it writes the shared interrupt flag or terminates us).
 */
import type { PyodideAPI } from "pyodide";
import { SandboxRequestSchema, type SandboxRequest, type SandboxResponse } from "@/lib/protocol";
import { PYTHON_RUNNER_SOURCE } from "./python-runner";

type InitRequest = Extract<SandboxRequest, { type: "init" }>;
type PyFn = ((...args: unknown[]) => unknown) & { destroy?: () => void };

interface Runtime {
  pyodide: PyodideAPI;
  run: PyFn;
  recover: PyFn;
  reset: PyFn;
  interruptFlag?: Int32Array;
}

const scope = self as unknown as DedicatedWorkerGlobalScope;
const stray = { stdout: "", stderr: "" };
let runtime: Promise<Runtime> | undefined;

const post = (msg: SandboxResponse) => scope.postMessage(msg);

async function boot(init: InitRequest): Promise<Runtime> {
  const started = performance.now();
  const indexURL = new URL(init.indexURL, scope.location.href).href;
  // Fetched in parallel with the runtime; a missing bundle only means no sympy.
  const bundle = init.sympyBundleURL
    ? fetch(new URL(init.sympyBundleURL, scope.location.href))
        .then((r) => (r.ok ? r.arrayBuffer() : undefined))
        .catch(() => undefined)
    : Promise.resolve(undefined);
  // A runtime import of the self-hosted file, not a bundled `import "pyodide"`: Pyodide
  // locates pyodide.asm.mjs/.wasm and python_stdlib.zip relative to its own URL and carries
  // Node-only branches (node:fs, ws, child_process) that bundlers try to resolve. The magic
  // comments keep any bundler (esbuild leaves template specifiers alone anyway) off it.
  const { loadPyodide } = (await import(
    /* webpackIgnore: true */ /* turbopackIgnore: true */ `${indexURL}pyodide.mjs`
  )) as typeof import("pyodide");
  const options: Parameters<typeof loadPyodide>[0] = {
    indexURL,
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
  const rt: Runtime = { pyodide, run: ns.get("run"), recover: ns.get("recover"), reset: ns.get("reset") };
  const zip = await bundle;
  let sympy = false;
  if (zip) {
    pyodide.FS.mkdirTree("/lib/hintlab");
    pyodide.FS.writeFile("/lib/hintlab/sympy-bundle.zip", new Uint8Array(zip));
    (ns.get("add_zip_to_path") as PyFn)("/lib/hintlab/sympy-bundle.zip");
    sympy = true;
  }
  if (init.interruptBuffer) {
    rt.interruptFlag = new Int32Array(init.interruptBuffer);
    Atomics.store(rt.interruptFlag, 0, 0);
    pyodide.setInterruptBuffer(rt.interruptFlag);
  }
  const python = String(pyodide.runPython("import sys; sys.version.split()[0]"));
  ns.destroy();
  post({ type: "ready", loadMs: performance.now() - started, sympy, python, snapshot });
  return rt;
}

/** The snapshot is served gzipped (6 MB instead of 31 MB); the static server does not compress it. */
async function fetchGunzipped(url: string): Promise<Uint8Array> {
  const response = await fetch(new URL(url, scope.location.href));
  if (!response.ok || !response.body) throw new Error(`snapshot: HTTP ${response.status}`);
  const stream = response.body.pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

interface RawRun {
  stdout: string;
  stderr: string;
  error: string | null;
  truncated: boolean;
  interrupted: boolean;
}

function execute(rt: Runtime, req: Extract<SandboxRequest, { type: "execute" }>): SandboxResponse {
  const started = performance.now();
  stray.stdout = stray.stderr = "";
  // A flag the client set after the previous run had already finished must not hit this one.
  if (rt.interruptFlag) Atomics.store(rt.interruptFlag, 0, 0);
  let raw: RawRun;
  try {
    raw = JSON.parse(String(rt.run(req.code, req.options.maxOutputChars))) as RawRun;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof Error && err.constructor.name === "PythonError") {
      // The timeout interrupt landed in the runner's own bookkeeping, outside its try. The
      // client sends one interrupt per run, so recovering cannot be interrupted again.
      if (rt.interruptFlag) Atomics.store(rt.interruptFlag, 0, 0);
      raw = JSON.parse(String(rt.recover(req.options.maxOutputChars))) as RawRun;
    } else {
      // A JavaScript-level failure (wasm stack overflow, Pyodide fatal error): the runtime
      // is unusable; the client restarts the worker and reports a crash.
      return { type: "crashed", id: req.id, message: message.slice(0, 500) };
    }
  }
  const max = req.options.maxOutputChars;
  return {
    type: "result",
    id: req.id,
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

scope.onmessage = async (event: MessageEvent) => {
  const parsed = SandboxRequestSchema.safeParse(event.data);
  if (!parsed.success) return; // only our client talks to us; ignore anything else
  const req = parsed.data;
  if (req.type === "init") {
    if (runtime) return;
    runtime = boot(req);
    runtime.catch((err: unknown) =>
      post({ type: "load-failed", message: err instanceof Error ? err.message : String(err) }),
    );
    return;
  }
  if (!runtime) return;
  const rt = await runtime;
  if (req.type === "reset") {
    rt.reset();
    post({ type: "reset-done", id: req.id });
  } else {
    post(execute(rt, req));
  }
};
