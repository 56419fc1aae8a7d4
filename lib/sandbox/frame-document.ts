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

/** The built frame and worker scripts, when the server can read them (they are then inlined). */
export interface SandboxScripts {
  frame: string;
  worker: string;
}

/** `</script` cannot appear inside an inline script; `<\/script` means the same in JavaScript. */
const inlineSafe = (js: string) => js.replace(/\n\/\/# sourceMappingURL=.*\s*$/, "").replace(/<\/script/gi, "<\\/script");

/** SHA-256 of a string, base64, as CSP hash sources want it. */
export type Sha256Base64 = (text: string) => string;

/**
 * The frame document for a page served at `host` (a Host header value): its HTML and its CSP, or
 * undefined when `host` is not a plain host[:port] (it ends up inside a header). With `scripts`,
 * the relay script is inlined (allowed by its hash) and the worker's source is carried as inert
 * text the relay turns into a blob: worker: the frame then needs no request of its own before
 * Pyodide's, which matters because an opaque origin's requests are never served from the HTTP
 * cache. Without them (assets not built yet), both are loaded from SANDBOX_ASSET_PATH.
 */
export function sandboxFrameDocument(host: string, scripts: SandboxScripts | undefined, sha256: Sha256Base64): { html: string; csp: string } | undefined {
  if (!HOST.test(host)) return undefined;
  // Both schemes: behind a TLS-terminating proxy the server does not know which one the page used.
  const sources = (files: string[]) =>
    files.flatMap((f) => [`http://${host}${SANDBOX_ASSET_PATH}${f}`, `https://${host}${SANDBOX_ASSET_PATH}${f}`]).join(" ");
  const frame = scripts ? inlineSafe(scripts.frame) : undefined;
  const csp = [
    "default-src 'none'",
    // wasm-unsafe-eval compiles Pyodide; no 'unsafe-eval': js.eval / js.Function stay blocked.
    `script-src ${frame ? `'sha256-${sha256(frame)}' ` : ""}${sources(SCRIPTS)} 'wasm-unsafe-eval'`,
    // The frame starts its worker from a blob: URL; nothing can be fetched but the boot files.
    "worker-src blob:",
    `connect-src ${sources(FETCHED)}`,
    "base-uri 'none'",
    "form-action 'none'",
    // Only the app's own pages may embed it ('self' is ambiguous in an opaque-origin document).
    `frame-ancestors http://${host} https://${host}`,
  ].join("; ");
  const head = frame
    ? `<script type="module">${frame}</script>\n<script type="text/plain" id="${WORKER_SOURCE_ID}">${inlineSafe(scripts!.worker)}</script>`
    : `<script type="module" src="${SANDBOX_ASSET_PATH}${FRAME_SCRIPT}"></script>`;
  const html = `<!doctype html>\n<html><head><meta charset="utf-8"><title>hintlab Python sandbox</title>\n${head}\n</head><body></body></html>\n`;
  return { html, csp };
}

/** Id of the inert element holding the worker's source in the frame document. */
export const WORKER_SOURCE_ID = "hintlab-worker-source";
