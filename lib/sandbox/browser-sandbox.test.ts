import { afterEach, describe, expect, it } from "vitest";
import { SandboxRequestSchema, type SandboxRequest, type SandboxResponse } from "@/lib/protocol";
import { BrowserSandbox } from "./browser-sandbox";

// The client's state machine (queue, interrupt, grace, restart, crash) against a scripted
// fake worker; the real worker + Pyodide are exercised in a browser by bench/sandbox.mjs.

const OK = { stderr: "", timedOut: false, truncated: false, durationMs: 1 };

/** Behaviour by code: "print" answers, "loop" waits for the interrupt, "stuck" never answers. */
class FakeWorker {
  static created: FakeWorker[] = [];
  onmessage: ((e: MessageEvent) => void) | null = null;
  onerror: ((e: ErrorEvent) => void) | null = null;
  terminated = false;
  busy = false;
  overlapped = false;
  flag: Int32Array | undefined;
  /** Consume this many interrupts without raising (Pyodide's occasional lost interrupt). */
  loseInterrupts = 0;
  private poll: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly mode: "ok" | "load-fails" = "ok") {
    FakeWorker.created.push(this);
  }

  postMessage(raw: unknown) {
    const msg = SandboxRequestSchema.parse(raw);
    if (msg.type === "init") {
      this.flag = msg.interruptBuffer ? new Int32Array(msg.interruptBuffer) : undefined;
      if (this.mode === "load-fails") this.reply({ type: "load-failed", message: "no wasm" });
      else this.reply({ type: "ready", loadMs: 5, sympy: true, python: "3.14.2", snapshot: true });
    } else if (msg.type === "reset") {
      this.reply({ type: "reset-done", id: msg.id });
    } else {
      this.run(msg);
    }
  }

  terminate() {
    this.terminated = true;
    clearInterval(this.poll);
  }

  private run(msg: Extract<SandboxRequest, { type: "execute" }>) {
    if (this.busy) this.overlapped = true;
    this.busy = true;
    const done = (r: SandboxResponse) => {
      this.busy = false;
      this.reply(r);
    };
    if (msg.code.startsWith("print")) {
      setTimeout(() => done({ type: "result", id: msg.id, result: { ...OK, stdout: `${msg.code}\n` } }), 5);
    } else if (msg.code === "crash") {
      done({ type: "crashed", id: msg.id, message: "RangeError: Maximum call stack size exceeded" });
    } else if (msg.code === "loop") {
      this.poll = setInterval(() => {
        if (!this.flag || Atomics.load(this.flag, 0) !== 2) return;
        Atomics.store(this.flag, 0, 0); // Pyodide resets the flag when it sees it
        if (this.loseInterrupts-- > 0) return;
        clearInterval(this.poll);
        const error = 'Traceback (most recent call last):\n  File "<cell-1>", line 1, in <module>\nKeyboardInterrupt\n';
        done({ type: "result", id: msg.id, result: { ...OK, stdout: "partial\n", error }, interrupted: true });
      }, 2);
    } // "stuck": never answers
  }

  private reply(msg: SandboxResponse) {
    setTimeout(() => {
      if (!this.terminated) this.onmessage?.({ data: msg } as MessageEvent);
    }, 0);
  }
}

const opts = (timeoutMs = 1000) => ({ timeoutMs, maxOutputChars: 1000 });
const setIsolated = (v: boolean) => Object.defineProperty(globalThis, "crossOriginIsolated", { value: v, configurable: true });

function makeSandbox(mode: "ok" | "load-fails" = "ok") {
  return new BrowserSandbox({ createWorker: () => new FakeWorker(mode) as unknown as Worker, graceMs: 200 });
}

afterEach(() => {
  FakeWorker.created = [];
  setIsolated(true);
});

describe("BrowserSandbox", () => {
  it("loads, reports ready, and runs queued executions one at a time, in order", async () => {
    setIsolated(true);
    const sb = makeSandbox();
    const statuses: string[] = [];
    sb.onStatusChange((s) => statuses.push(s));
    expect(await sb.ready).toEqual({ loadMs: 5, sympy: true, python: "3.14.2", snapshot: true });
    const results = await Promise.all(["print(1)", "print(2)", "print(3)"].map((c) => sb.execute(c, opts())));
    expect(results.map((r) => r.stdout)).toEqual(["print(1)\n", "print(2)\n", "print(3)\n"]);
    expect(FakeWorker.created[0]!.overlapped).toBe(false);
    expect(statuses).toContain("busy");
    expect(sb.status).toBe("ready");
    await sb.reset();
    await sb.dispose();
    await expect(sb.execute("print(1)", opts())).rejects.toThrow(/disposed/);
  });

  it("interrupts at the time limit, keeping the runtime (and the output so far)", async () => {
    const sb = makeSandbox();
    const r = await sb.execute("loop", opts(50));
    expect(r.timedOut).toBe(true);
    expect(r.stdout).toBe("partial\n");
    expect(r.error).toMatch(/line 1, in <module>\nTimeoutError: the code was stopped after 0\.05 s \(time limit\)\.$/);
    expect(r.error).not.toContain("KeyboardInterrupt");
    expect(FakeWorker.created).toHaveLength(1);
  });

  it("re-sends an interrupt the runtime consumed without stopping", async () => {
    const sb = makeSandbox();
    await sb.ready;
    FakeWorker.created[0]!.loseInterrupts = 1;
    const r = await sb.execute("loop", opts(50));
    expect(r.timedOut).toBe(true);
    expect(r.error).not.toContain("restarted");
    expect(FakeWorker.created).toHaveLength(1);
  });

  it("replaces the worker when the code ignores the interrupt, and says the namespace is lost", async () => {
    const sb = makeSandbox();
    const r = await sb.execute("stuck", opts(50));
    expect(r.timedOut).toBe(true);
    expect(r.error).toMatch(/did not respond to the interrupt.*restarted.*lost/);
    expect(FakeWorker.created).toHaveLength(2);
    expect(FakeWorker.created[0]!.terminated).toBe(true);
    expect(sb.status).toBe("restarting");
    expect((await sb.execute("print(1)", opts())).stdout).toBe("print(1)\n");
    expect(sb.status).toBe("ready");
  });

  it("without cross-origin isolation, restarts at the time limit and says why", async () => {
    setIsolated(false);
    const sb = makeSandbox();
    expect(sb.canInterrupt).toBe(false);
    const r = await sb.execute("loop", opts(50));
    expect(r.timedOut).toBe(true);
    expect(r.error).toMatch(/interrupts are unavailable.*restarted.*lost/);
    expect(FakeWorker.created).toHaveLength(2);
  });

  it("restarts after a runtime crash and reports it as an error, not a timeout", async () => {
    const sb = makeSandbox();
    const r = await sb.execute("crash", opts());
    expect(r.timedOut).toBe(false);
    expect(r.error).toMatch(/crashed \(RangeError: Maximum call stack size exceeded\) and was restarted/);
    expect((await sb.execute("print(1)", opts())).stdout).toBe("print(1)\n");
  });

  it("rejects ready and execute when Python cannot load", async () => {
    const sb = makeSandbox("load-fails");
    await expect(sb.ready).rejects.toThrow(/Python failed to load: no wasm/);
    await expect(sb.execute("print(1)", opts())).rejects.toThrow(/no wasm/);
    expect(sb.status).toBe("failed");
  });
});
