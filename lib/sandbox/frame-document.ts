/**
 * The sandbox frame's document and its headers (served by app/sandbox/frame/route.ts). The
 * Content-Security-Policy is the main wall around model code: the frame and the worker it starts
 * (a blob: worker inherits it) may load exactly the Pyodide files below from the app's origin
 * and nothing else — no API route, no other host, no other file. It names the origin because
 * `'self'` cannot carry a path (and in an opaque-origin document would allow the whole app).
 */

/** Path under which scripts/prepare-assets.mjs puts the runtime, the worker and the frame script. */
export const SANDBOX_ASSET_PATH = "/pyodide/";
/** Where the frame document is served. */
export const SANDBOX_FRAME_PATH = "/sandbox/frame";
export const FRAME_SCRIPT = "hintlab-frame.js";
/**
 * The worker is lib/sandbox/pyodide.worker.ts bundled by prepare-assets (esbuild), not by Next:
 * Next 16's Turbopack bundles `new Worker(new URL(...), { type: "module" })` as a classic worker
 * loading chunks with importScripts, which Pyodide 314 refuses ("Classic web workers are not
 * supported") and which the frame's CSP would block anyway.
 */
export const WORKER_SCRIPT = "hintlab-worker.js";
/** Scripts the frame and the worker load (module imports). */
const SCRIPTS = [FRAME_SCRIPT, WORKER_SCRIPT, "pyodide.mjs", "pyodide.asm.mjs"];
/** Files the worker fetches while booting (the worker deletes fetch once Pyodide is up). */
const FETCHED = ["pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json", "python-snapshot.bin.gz", "sympy-bundle.zip"];

const HOST = /^[a-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/i;

/** The CSP for a frame served at `host` (a Host header value; undefined when it is not a plain host[:port]). */
export function sandboxFrameCsp(host: string): string | undefined {
  if (!HOST.test(host)) return undefined;
  // Both schemes: behind a TLS-terminating proxy the server does not know which one the page used.
  const sources = (files: string[]) =>
    files.flatMap((f) => [`http://${host}${SANDBOX_ASSET_PATH}${f}`, `https://${host}${SANDBOX_ASSET_PATH}${f}`]).join(" ");
  return [
    "default-src 'none'",
    // wasm-unsafe-eval compiles Pyodide; no 'unsafe-eval': js.eval / js.Function stay blocked.
    `script-src ${sources(SCRIPTS)} 'wasm-unsafe-eval'`,
    // The frame starts its worker from a blob: URL; nothing can be fetched but the boot files.
    "worker-src blob:",
    `connect-src ${sources(FETCHED)}`,
    "base-uri 'none'",
    "form-action 'none'",
    // Only the app's own pages may embed it ('self' is ambiguous in an opaque-origin document).
    `frame-ancestors http://${host} https://${host}`,
  ].join("; ");
}

/**
 * The frame document: an empty page whose only script is the relay (no inline script: CSP). The
 * worker's scripts and boot files are requested from here at once, in parallel with the relay
 * script: the worker that needs them starts only after it, and finds them in the HTTP cache.
 */
export const SANDBOX_FRAME_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>hintlab Python sandbox</title>
<script type="module" src="${SANDBOX_ASSET_PATH}${FRAME_SCRIPT}"></script>
${[WORKER_SCRIPT, "pyodide.mjs", "pyodide.asm.mjs"].map((f) => `<link rel="modulepreload" href="${SANDBOX_ASSET_PATH}${f}">`).join("\n")}
${["pyodide.asm.wasm", "python-snapshot.bin.gz", "python_stdlib.zip", "pyodide-lock.json"].map((f) => `<link rel="preload" as="fetch" crossorigin="anonymous" href="${SANDBOX_ASSET_PATH}${f}">`).join("\n")}
</head><body></body></html>
`;
