/** What a sandbox's `ready` promise resolves to once Python is usable. */
export interface SandboxReadyInfo {
  /** Time from starting the runtime to Python being usable. */
  loadMs: number;
  /** `import sympy` will work (the bundle was found and mounted). */
  sympy: boolean;
  /** Python version inside Pyodide, e.g. "3.14.2". */
  python?: string;
  /** Booted from the prepare-assets memory snapshot (fast path) rather than from scratch. */
  snapshot?: boolean;
}

/**
 * Lifecycle of a sandbox, for status displays: `loading` (first start), `ready`, `busy`
 * (running code), `restarting` (runtime thrown away after a stuck run or crash; the next
 * execution waits for it), `failed` (cannot load at all), `disposed`.
 */
export type SandboxStatus = "loading" | "ready" | "busy" | "restarting" | "failed" | "disposed";
