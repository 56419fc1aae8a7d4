import { z } from "zod";

export const ExecuteOptionsSchema = z.object({
  timeoutMs: z.number().int().positive(),
  maxOutputChars: z.number().int().positive(),
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

/** Messages to the sandbox worker/process. */
export const SandboxRequestSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("execute"), id: z.number(), code: z.string(), options: ExecuteOptionsSchema }),
  z.object({ type: z.literal("reset"), id: z.number() }),
]);
export type SandboxRequest = z.infer<typeof SandboxRequestSchema>;

/** Messages from the sandbox worker/process. */
export const SandboxResponseSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ready"), loadMs: z.number() }),
  z.object({ type: z.literal("load-failed"), message: z.string() }),
  z.object({ type: z.literal("result"), id: z.number(), result: ExecutionResultSchema }),
  z.object({ type: z.literal("reset-done"), id: z.number() }),
]);
export type SandboxResponse = z.infer<typeof SandboxResponseSchema>;
