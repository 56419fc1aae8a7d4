/**
 * Python sandbox (browser side): `BrowserSandbox` runs model-written code in a Pyodide Web
 * Worker with notebook semantics (one namespace per trace, `reset()` for the next), separate
 * stdout/stderr, truncated output, tracebacks as `error`, and time limits that interrupt
 * rather than reload. Node hosts import `@/lib/sandbox/node` instead (no node: modules here).
 */
export { BrowserSandbox, type BrowserSandboxOptions } from "./browser-sandbox";
export { finishResult, outcomeMessage } from "./result";
export type { SandboxReadyInfo, SandboxStatus } from "./types";
