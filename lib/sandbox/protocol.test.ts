import { describe, expect, it } from "vitest";
import { SandboxRequestSchema, SandboxResponseSchema } from "@/lib/protocol";

// The worker/child messages the sandbox hosts exchange, round-tripped through their schemas.
describe("sandbox message schemas", () => {
  const result = { stdout: "1\n", stderr: "", timedOut: false, truncated: false, durationMs: 1.5 };

  it("round-trips every request", () => {
    const requests = [
      { type: "init", indexURL: "/pyodide/", sympyBundleURL: "/pyodide/sympy-bundle.zip", snapshotURL: "/pyodide/python-snapshot.bin.gz", interruptBuffer: new SharedArrayBuffer(4) },
      { type: "init", indexURL: "/pyodide/" },
      { type: "execute", id: 1, code: "print(1)", options: { timeoutMs: 1000, maxOutputChars: 100 } },
      { type: "reset", id: 2 },
    ];
    for (const r of requests) expect(SandboxRequestSchema.parse(r)).toEqual(r);
  });

  it("round-trips every response", () => {
    const responses = [
      { type: "ready", loadMs: 900, sympy: true, python: "3.14.2", snapshot: true },
      { type: "ready", loadMs: 900 },
      { type: "load-failed", message: "no wasm" },
      { type: "result", id: 1, result, interrupted: false },
      { type: "result", id: 1, result: { ...result, error: "Traceback…", timedOut: true }, interrupted: true, restarted: true },
      { type: "reset-done", id: 2 },
      { type: "crashed", id: 3, message: "RangeError: Maximum call stack size exceeded" },
    ];
    for (const r of responses) expect(SandboxResponseSchema.parse(r)).toEqual(r);
  });

  it("rejects malformed messages", () => {
    expect(SandboxRequestSchema.safeParse({ type: "init", indexURL: "/p/", interruptBuffer: new ArrayBuffer(4) }).success).toBe(false);
    expect(SandboxRequestSchema.safeParse({ type: "execute", id: 1, code: "x", options: { timeoutMs: 0, maxOutputChars: 1 } }).success).toBe(false);
    expect(SandboxResponseSchema.safeParse({ type: "result", id: 1, result: { stdout: "" } }).success).toBe(false);
    expect(SandboxResponseSchema.safeParse({ type: "result", id: 1, result: { ...result, error: null } }).success).toBe(false);
  });
});

describe("sandbox frame protocol", () => {
  it("round-trips the page <-> frame messages and refuses oversized or malformed ones", async () => {
    const { FrameRequestSchema, FrameResponseSchema, FRAME_TEXT_LIMIT } = await import("@/lib/protocol");
    const requests = [
      { type: "init", workerURL: "http://h/pyodide/hintlab-worker.js", indexURL: "http://h/pyodide/", snapshotURL: "http://h/pyodide/s.gz" },
      { type: "execute", id: 1, code: "print(1)", maxOutputChars: 100 },
      { type: "interrupt", id: 1 },
      { type: "ping", n: 3 },
    ];
    for (const r of requests) expect(FrameRequestSchema.parse(r)).toEqual(r);
    const result = { stdout: "1\n", stderr: "", timedOut: false, truncated: false, durationMs: 3 };
    const responses = [
      { type: "frame-loaded", isolated: true },
      { type: "ready", loadMs: 5, sympy: true, python: "3.14.2", snapshot: true, interrupts: true },
      { type: "load-failed", message: "no wasm" },
      { type: "result", id: 1, result, interrupted: false },
      { type: "crashed", id: 1, message: "oom" },
      { type: "pong", n: 3 },
    ];
    for (const r of responses) expect(FrameResponseSchema.parse(r)).toEqual(r);
    expect(FrameRequestSchema.safeParse({ type: "init", workerURL: "/relative.js", indexURL: "/p/" }).success).toBe(false);
    expect(FrameResponseSchema.safeParse({ type: "result", id: 0, result, interrupted: false }).success).toBe(false);
    expect(FrameResponseSchema.safeParse({ type: "result", id: 1, result: { ...result, stdout: "x".repeat(FRAME_TEXT_LIMIT + 1) }, interrupted: false }).success).toBe(false);
    expect(FrameResponseSchema.safeParse({ type: "result", id: 1, result }).success).toBe(false);
  });
});
