import * as z from "zod";
import { ExecutionResultSchema } from "./sandbox";

// The browser sandbox in three hops: page (BrowserSandbox) <-> opaque-origin frame
// (lib/sandbox/sandbox-frame.ts) <-> module worker running Pyodide (lib/sandbox/pyodide.worker.ts).
// Every hop validates what it receives with these schemas; the page believes only answers to the
// request it is waiting for.

/** Bounded strings: a message from the sandbox can never make the page hold more than this. */
const Text = (max: number) => z.string().max(max);
/** Hard ceiling on any text field from the sandbox (the page cuts to maxOutputChars below that). */
export const FRAME_TEXT_LIMIT = 2_000_000;

/** Page -> frame. */
export const FrameRequestSchema = z.discriminatedUnion("type", [
  /** Start the worker. URLs are absolute (the frame's origin is opaque, its base URL is not the app's). */
  z.object({
    type: z.literal("init"),
    workerURL: z.string().url(),
    indexURL: z.string().url(),
    sympyBundleURL: z.string().url().optional(),
    snapshotURL: z.string().url().optional(),
  }),
  z.object({
    type: z.literal("execute"),
    id: z.number().int().positive(),
    code: z.string(),
    maxOutputChars: z.number().int().positive(),
  }),
  /** Raise KeyboardInterrupt in the run `id` (the page's time limit passed). */
  z.object({ type: z.literal("interrupt"), id: z.number().int().positive() }),
  /** Liveness probe: the frame answers `pong` at once from its own (never busy) main thread. */
  z.object({ type: z.literal("ping"), n: z.number().int().nonnegative() }),
]);
export type FrameRequest = z.infer<typeof FrameRequestSchema>;

/** Frame -> page. */
export const FrameResponseSchema = z.discriminatedUnion("type", [
  /** The frame's script runs; `isolated`: it is cross-origin isolated (interrupts possible). */
  z.object({ type: z.literal("frame-loaded"), isolated: z.boolean() }),
  z.object({
    type: z.literal("ready"),
    loadMs: z.number().nonnegative(),
    sympy: z.boolean(),
    python: Text(40).optional(),
    snapshot: z.boolean(),
    /** The time-limit interrupt works (shared memory between frame and worker). */
    interrupts: z.boolean(),
  }),
  z.object({ type: z.literal("load-failed"), message: Text(2000) }),
  z.object({
    type: z.literal("result"),
    id: z.number().int().positive(),
    result: ExecutionResultSchema.extend({
      stdout: Text(FRAME_TEXT_LIMIT),
      stderr: Text(FRAME_TEXT_LIMIT),
      error: Text(FRAME_TEXT_LIMIT).optional(),
    }),
    /** The code ended with KeyboardInterrupt. */
    interrupted: z.boolean(),
  }),
  /** The runtime broke while running `id` (JS-level fatal error, worker died): restart it. */
  z.object({ type: z.literal("crashed"), id: z.number().int().positive(), message: Text(2000) }),
  z.object({ type: z.literal("pong"), n: z.number().int().nonnegative() }),
]);
export type FrameResponse = z.infer<typeof FrameResponseSchema>;

/** Frame -> worker, once, with a private MessagePort (transferred) for everything after it. */
export const WorkerInitSchema = z.object({
  type: z.literal("init"),
  indexURL: z.string().url(),
  sympyBundleURL: z.string().url().optional(),
  snapshotURL: z.string().url().optional(),
  port: z.custom<MessagePort>((v) => typeof MessagePort !== "undefined" && v instanceof MessagePort, "expected a MessagePort"),
  /**
   * Shared memory from the frame when it is cross-origin isolated: `control` (Int32: slot 0 =
   * sequence number of the latest request, slot 1 = its byte length), `data` (the request as
   * UTF-8 JSON) and `interrupt` (Pyodide's interrupt buffer; 2 = SIGINT).
   */
  shared: z
    .object({
      control: z.custom<SharedArrayBuffer>((v) => typeof SharedArrayBuffer !== "undefined" && v instanceof SharedArrayBuffer),
      data: z.custom<SharedArrayBuffer>((v) => typeof SharedArrayBuffer !== "undefined" && v instanceof SharedArrayBuffer),
      interrupt: z.custom<SharedArrayBuffer>((v) => typeof SharedArrayBuffer !== "undefined" && v instanceof SharedArrayBuffer),
    })
    .optional(),
});
export type WorkerInit = z.infer<typeof WorkerInitSchema>;

/** Frame -> worker requests (through shared memory, or the private port without it). */
export const WorkerRequestSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("execute"), seq: z.number().int(), code: z.string(), maxOutputChars: z.number().int().positive() }),
]);
export type WorkerRequest = z.infer<typeof WorkerRequestSchema>;

/** Worker -> frame, on the private port only (model code cannot reach it). */
export const WorkerResponseSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ready"), loadMs: z.number(), sympy: z.boolean(), python: z.string().optional(), snapshot: z.boolean(), interrupts: z.boolean() }),
  z.object({ type: z.literal("load-failed"), message: z.string() }),
  z.object({ type: z.literal("result"), seq: z.number().int(), result: ExecutionResultSchema, interrupted: z.boolean() }),
  z.object({ type: z.literal("crashed"), seq: z.number().int(), message: z.string() }),
]);
export type WorkerResponse = z.infer<typeof WorkerResponseSchema>;
