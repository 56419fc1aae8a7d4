import * as z from "zod";

export const ExecuteOptionsSchema = z.object({
  timeoutMs: z.number().int().positive(),
  maxOutputChars: z.number().int().positive(),
  /** Seed Python's `random` before this block (the experiment pool seeds a trace's first block in each interpreter, so replays repeat it). Node sandbox only. */
  seed: z.number().int().nonnegative().optional(),
});
export type ExecuteOptions = z.infer<typeof ExecuteOptionsSchema>;

/** Result of running one python block. `error` holds the traceback when the code raised. */
export const ExecutionResultSchema = z.object({
  stdout: z.string(),
  stderr: z.string(),
  error: z.string().optional(),
  timedOut: z.boolean(),
  /** stdout/stderr were cut to maxOutputChars (a visible marker is in the text). */
  truncated: z.boolean(),
  durationMs: z.number(),
});
export type ExecutionResult = z.infer<typeof ExecutionResultSchema>;

/** The one interface every Python host implements (browser worker, isolated Node process). */
export interface Sandbox {
  execute(code: string, options: ExecuteOptions): Promise<ExecutionResult>;
  /** Fresh namespace (a new trace). */
  reset(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * A SharedArrayBuffer, checked without naming the global: it is undefined in pages that are
 * not cross-origin isolated, where the sandbox falls back to restarting the worker.
 */
const SharedBufferSchema = z.custom<SharedArrayBuffer>(
  (v) => typeof SharedArrayBuffer !== "undefined" && v instanceof SharedArrayBuffer,
  "expected a SharedArrayBuffer",
);

/** Messages to the sandbox worker/process. */
export const SandboxRequestSchema = z.discriminatedUnion("type", [
  /**
   * First message to a browser worker: where the Pyodide runtime, the boot snapshot and the
   * sympy bundle are served, and the interrupt buffer (Int32 slot 0; the host writes 2 = SIGINT at timeout).
   */
  z.object({
    type: z.literal("init"),
    indexURL: z.string(),
    sympyBundleURL: z.string().optional(),
    /** Gzipped Pyodide memory snapshot to boot from (falls back to a normal boot). */
    snapshotURL: z.string().optional(),
    interruptBuffer: SharedBufferSchema.optional(),
  }),
  z.object({ type: z.literal("execute"), id: z.number(), code: z.string(), options: ExecuteOptionsSchema }),
  z.object({ type: z.literal("reset"), id: z.number() }),
]);
export type SandboxRequest = z.infer<typeof SandboxRequestSchema>;

/** Messages from the sandbox worker/process. */
export const SandboxResponseSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("ready"),
    loadMs: z.number(),
    /** `import sympy` works (the bundle was found and mounted). */
    sympy: z.boolean().optional(),
    /** Python version inside Pyodide, e.g. "3.14.2". */
    python: z.string().optional(),
    /** Booted from the memory snapshot (fast path). */
    snapshot: z.boolean().optional(),
  }),
  z.object({ type: z.literal("load-failed"), message: z.string() }),
  z.object({
    type: z.literal("result"),
    id: z.number(),
    result: ExecutionResultSchema,
    /** The code ended with KeyboardInterrupt (the host's timeout interrupt, if it sent one). */
    interrupted: z.boolean().optional(),
    /** The runtime was restarted while running this code: the namespace is gone. */
    restarted: z.boolean().optional(),
  }),
  z.object({ type: z.literal("reset-done"), id: z.number() }),
  /** The runtime broke while running request `id` (e.g. a JS-level fatal error): restart it. */
  z.object({ type: z.literal("crashed"), id: z.number(), message: z.string() }),
]);
export type SandboxResponse = z.infer<typeof SandboxResponseSchema>;
