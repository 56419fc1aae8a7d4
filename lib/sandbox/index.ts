/**
 * Python sandbox (browser side): `BrowserSandbox` runs model-written code in Pyodide, in a Web
 * Worker inside an opaque-origin `<iframe sandbox="allow-scripts">` whose CSP allows only the
 * Pyodide files (no request to the app or the network, no storage), with notebook semantics (one
 * namespace per trace, `reset()` for the next), separate stdout/stderr, truncated output,
 * tracebacks as `error`, and time limits that interrupt rather than reload. The page trusts no
 * message from the frame and enforces limits itself. Node hosts import `@/lib/sandbox/node`.
 */
export { BrowserSandbox, type BrowserSandboxOptions, type CreateSandboxFrame, type SandboxFrame } from "./browser-sandbox";
export { finishResult, outcomeMessage } from "./result";
export type { SandboxReadyInfo, SandboxStatus } from "./types";
