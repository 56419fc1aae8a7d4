import { afterEach, describe, expect, it } from "vitest";
import { FrameRequestSchema, type FrameRequest, type FrameResponse } from "@/lib/protocol";
import { BrowserSandbox, type CreateSandboxFrame } from "./browser-sandbox";

// The page's side of the sandbox (queue, page-owned time limit, interrupt, grace, restart,
// crash and silence detection, output cap, distrust of the frame) against a scripted fake
// frame; the real frame + worker + Pyodide run in Chromium in e2e/sandbox*.spec.ts and
// bench/sandbox.mjs.

const OK = { stderr: "", timedOut: false, truncated: false, durationMs: 1 };

type Mode = "ok" | "load-fails" | "silent";

/**
 * Behaviour by code: "print…" answers, "loop" waits for the interrupt, "stuck" never answers,
 * "crash" reports a crash, "die" stops answering pings (a dead process), "forge…" sends the
 * kinds of lies a compromised sandbox could tell. `raw` can inject arbitrary messages.
 */
class FakeFrame {
  static created: FakeFrame[] = [];
  destroyed = false;
  busy = false;
  overlapped = false;
  dead = false;
  interrupts = true;
  /** Consume this many interrupts without raising (Pyodide's occasional lost interrupt). */
  loseInterrupts = 0;
  readonly received: FrameRequest[] = [];
  private running: Extract<FrameRequest, { type: "execute" }> | undefined;

  constructor(
    private readonly send: (data: unknown) => void,
    private readonly mode: Mode = "ok",
  ) {
    FakeFrame.created.push(this);
    if (mode !== "silent") this.raw({ type: "frame-loaded", isolated: true });
  }

  post(raw: FrameRequest) {
    const msg = FrameRequestSchema.parse(raw);
    this.received.push(msg);
    if (this.dead) return;
    if (msg.type === "init") {
      if (this.mode === "load-fails") this.raw({ type: "load-failed", message: "no wasm" });
      else this.raw({ type: "ready", loadMs: 5, sympy: true, python: "3.14.2", snapshot: true, interrupts: this.interrupts });
    } else if (msg.type === "ping") {
      this.raw({ type: "pong", n: msg.n });
    } else if (msg.type === "interrupt") {
      if (this.running?.code === "loop" && msg.id === this.running.id) {
        if (this.loseInterrupts-- > 0) return;
        const error = 'Traceback (most recent call last):\n  File "<cell-1>", line 1, in <module>\nKeyboardInterrupt\n';
        this.answer({ type: "result", id: msg.id, result: { ...OK, stdout: "partial\n", error }, interrupted: true });
      }
    } else if (msg.type === "execute") {
      this.run(msg);
    }
  }

  destroy() {
    this.destroyed = true;
  }

  /** Deliver a message as if the frame had posted it. */
  raw(data: unknown) {
    setTimeout(() => {
      if (!this.destroyed) this.send(data);
    }, 0);
  }

  private answer(msg: FrameResponse) {
    this.busy = false;
    this.running = undefined;
    this.raw(msg);
  }

  private run(msg: Extract<FrameRequest, { type: "execute" }>) {
    if (this.busy) this.overlapped = true;
    this.busy = true;
    this.running = msg;
    const code = msg.code;
    if (code.startsWith("print")) {
      setTimeout(() => this.answer({ type: "result", id: msg.id, result: { ...OK, stdout: `${code}\n` }, interrupted: false }), 5);
    } else if (code === "crash") {
      this.answer({ type: "crashed", id: msg.id, message: "RangeError: Maximum call stack size exceeded" });
    } else if (code === "die") {
      this.dead = true;
    } else if (code === "forge-other-id") {
      // Answers for an execution that is not the one in flight, and for one from the past.
      this.raw({ type: "result", id: msg.id + 1, result: { ...OK, stdout: "forged\n" }, interrupted: false });
      this.raw({ type: "result", id: msg.id - 1, result: { ...OK, stdout: "forged\n" }, interrupted: false });
      this.raw({ type: "result", id: msg.id, result: { stdout: 42 }, interrupted: false }); // malformed
      setTimeout(() => this.answer({ type: "result", id: msg.id, result: { ...OK, stdout: "real\n" }, interrupted: false }), 20);
    } else if (code === "forge-huge") {
      const stdout = "x".repeat(50_000);
      this.answer({ type: "result", id: msg.id, result: { ...OK, stdout, stderr: "y".repeat(3000), error: `Traceback\n${"z".repeat(5000)}\nValueError: end` }, interrupted: false });
    } else if (code === "forge-flags") {
      this.answer({ type: "result", id: msg.id, result: { stdout: "ok\n", stderr: "", timedOut: true, truncated: true, durationMs: 1e9 }, interrupted: true });
    } // "stuck" and "loop" without interrupt: never answer
  }
}

const opts = (timeoutMs = 1000, maxOutputChars = 1000) => ({ timeoutMs, maxOutputChars });
/** Wait (polling) until the spare frame has been created and has booted. */
async function spareBooted(count: number) {
  for (let i = 0; i < 500 && !(FakeFrame.created.length >= count && FakeFrame.created[count - 1]!.received.some((m) => m.type === "init")); i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise((r) => setTimeout(r, 5)); // its "ready" is delivered
}
const setIsolated = (v: boolean) => Object.defineProperty(globalThis, "crossOriginIsolated", { value: v, configurable: true });

function makeSandbox(mode: Mode = "ok", extra: Partial<{ silenceMs: number; loadTimeoutMs: number; interrupts: boolean; spare: boolean }> = {}) {
  const createFrame: CreateSandboxFrame = (send) => {
    const f = new FakeFrame(send, mode);
    if (extra.interrupts === false) f.interrupts = false;
    return f;
  };
  const sb = new BrowserSandbox({ createFrame, graceMs: 200, silenceMs: extra.silenceMs ?? 600, loadTimeoutMs: extra.loadTimeoutMs, spareFrame: extra.spare ?? false, spareAfterMs: 30 });
  made.push(sb);
  return sb;
}
/** Disposed after each test, so no timer of one test creates frames in the next. */
const made: BrowserSandbox[] = [];

afterEach(async () => {
  for (const sb of made.splice(0)) await sb.dispose();
  FakeFrame.created = [];
  setIsolated(true);
});

describe("BrowserSandbox", () => {
  it("loads, reports ready, and runs queued executions one at a time, in order", async () => {
    setIsolated(true);
    const sb = makeSandbox();
    const statuses: string[] = [];
    sb.onStatusChange((s) => statuses.push(s));
    const info = await sb.ready;
    expect(info).toMatchObject({ sympy: true, python: "3.14.2", snapshot: true });
    expect(sb.canInterrupt).toBe(true);
    const results = await Promise.all(["print(1)", "print(2)", "print(3)"].map((c) => sb.execute(c, opts())));
    expect(results.map((r) => r.stdout)).toEqual(["print(1)\n", "print(2)\n", "print(3)\n"]);
    expect(FakeFrame.created[0]!.overlapped).toBe(false);
    // Absolute URLs go to the frame: its base URL is not the app's.
    const init = FakeFrame.created[0]!.received.find((m) => m.type === "init");
    expect(init).toMatchObject({ workerURL: expect.stringMatching(/^http.*\/pyodide\/hintlab-worker\.js$/) });
    expect(statuses).toContain("busy");
    expect(sb.status).toBe("ready");
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
    expect(FakeFrame.created).toHaveLength(1);
  });

  it("replaces the frame when the code ignores the interrupt, and says the namespace is lost", async () => {
    const sb = makeSandbox();
    const r = await sb.execute("stuck", opts(50));
    expect(r.timedOut).toBe(true);
    expect(r.error).toMatch(/did not respond to the interrupt.*restarted.*lost/);
    expect(FakeFrame.created).toHaveLength(2);
    expect(FakeFrame.created[0]!.destroyed).toBe(true);
    expect(sb.status).toBe("restarting");
    expect((await sb.execute("print(1)", opts())).stdout).toBe("print(1)\n");
    expect(sb.status).toBe("ready");
  });

  it("without interrupts in the frame, restarts at the time limit and says why", async () => {
    const sb = makeSandbox("ok", { interrupts: false });
    await sb.ready;
    expect(sb.canInterrupt).toBe(false);
    const r = await sb.execute("loop", opts(50));
    expect(r.timedOut).toBe(true);
    expect(r.error).toMatch(/interrupts are unavailable.*restarted.*lost/);
    expect(FakeFrame.created).toHaveLength(2);
  });

  it("without cross-origin isolation of the page, never relies on the frame's claim of interrupts", async () => {
    setIsolated(false);
    const sb = makeSandbox();
    await sb.ready;
    expect(sb.canInterrupt).toBe(false);
    const r = await sb.execute("loop", opts(50));
    expect(r.error).toMatch(/interrupts are unavailable/);
  });

  it("restarts after a runtime crash and reports it as an error, not a timeout", async () => {
    const sb = makeSandbox();
    const r = await sb.execute("crash", opts());
    expect(r.timedOut).toBe(false);
    expect(r.error).toMatch(/crashed \(RangeError: Maximum call stack size exceeded\) and was restarted/);
    expect((await sb.execute("print(1)", opts())).stdout).toBe("print(1)\n");
  });

  it("notices a frame that went silent (its process died) long before the time limit, and goes on", async () => {
    const sb = makeSandbox("ok", { silenceMs: 300 });
    const t = performance.now();
    const r = await sb.execute("die", opts(20_000));
    expect(performance.now() - t).toBeLessThan(3000);
    expect(r.timedOut).toBe(false);
    expect(r.error).toMatch(/crashed \(the sandbox stopped responding.*\) and was restarted/);
    expect(FakeFrame.created[0]!.destroyed).toBe(true);
    expect((await sb.execute("print(2)", opts())).stdout).toBe("print(2)\n");
  });

  it("drops answers for other executions and malformed messages", async () => {
    const sb = makeSandbox();
    const r = await sb.execute("forge-other-id", opts());
    expect(r.stdout).toBe("real\n");
    const next = await sb.execute("print(5)", opts());
    expect(next.stdout).toBe("print(5)\n");
  });

  it("drops messages before the frame is ready and results nobody asked for", async () => {
    const sb = makeSandbox();
    const frame = FakeFrame.created[0]!;
    frame.raw({ type: "result", id: 1, result: { ...OK, stdout: "early\n" }, interrupted: false });
    await sb.ready;
    frame.raw({ type: "result", id: 1, result: { ...OK, stdout: "unasked\n" }, interrupted: false });
    await new Promise((r) => setTimeout(r, 10));
    expect((await sb.execute("print(1)", opts())).stdout).toBe("print(1)\n");
  });

  it("cuts output to maxOutputChars itself, with the runner's markers", async () => {
    const sb = makeSandbox();
    const r = await sb.execute("forge-huge", opts(1000, 100));
    expect(r.stdout).toBe(`${"x".repeat(100)}\n… [output truncated: 49900 more characters]`);
    expect(r.stderr).toBe(`${"y".repeat(100)}\n… [output truncated: 2900 more characters]`);
    expect(r.error).toMatch(/^… \[traceback truncated: \d+ characters\]\nz+\nValueError: end$/);
    expect(r.error!.split("\n").slice(1).join("\n")).toHaveLength(100);
    expect(r.truncated).toBe(true);
  });

  it("decides timedOut, truncated and the duration itself", async () => {
    const sb = makeSandbox();
    const r = await sb.execute("forge-flags", opts());
    expect(r).toMatchObject({ stdout: "ok\n", timedOut: false, truncated: false });
    expect(r.durationMs).toBeLessThan(5000);
  });

  it("reset replaces a used frame at once and leaves an unused one alone", async () => {
    const sb = makeSandbox();
    await sb.reset();
    expect(FakeFrame.created).toHaveLength(1);
    await sb.execute("print(1)", opts());
    await sb.reset();
    expect(FakeFrame.created).toHaveLength(2);
    expect(FakeFrame.created[0]!.destroyed).toBe(true);
    // The replacement was started by reset() itself, before anything asked to run.
    expect(FakeFrame.created[1]!.received.length).toBeGreaterThanOrEqual(0);
    expect((await sb.execute("print(2)", opts())).stdout).toBe("print(2)\n");
    await sb.reset();
    expect(FakeFrame.created).toHaveLength(3);
  });

  it("rejects ready and execute when Python cannot load, or the frame never starts", async () => {
    const sb = makeSandbox("load-fails");
    await expect(sb.ready).rejects.toThrow(/Python failed to load: no wasm/);
    await expect(sb.execute("print(1)", opts())).rejects.toThrow(/no wasm/);
    expect(sb.status).toBe("failed");
    const silent = makeSandbox("silent", { loadTimeoutMs: 50 });
    await expect(silent.ready).rejects.toThrow(/did not start/);
  });

  it("with a spare frame, boots it after code has run and swaps to it warm on reset and on restart", async () => {
    const sb = makeSandbox("ok", { spare: true });
    await sb.ready;
    await sb.reset(); // nothing ran: no spare needed, nothing replaced
    expect(FakeFrame.created).toHaveLength(1);
    await sb.execute("print(1)", opts());
    expect(FakeFrame.created).toHaveLength(1); // not while code may still follow at once
    await spareBooted(2); // quiet: the spare starts and boots
    expect(FakeFrame.created).toHaveLength(2);
    await sb.reset();
    expect(FakeFrame.created[0]!.destroyed).toBe(true);
    expect(sb.status).toBe("ready"); // warm at once
    expect((await sb.execute("print(2)", opts())).stdout).toBe("print(2)\n");
    expect(FakeFrame.created[1]!.received.some((m) => m.type === "execute")).toBe(true);
    await spareBooted(3);
    expect(FakeFrame.created).toHaveLength(3); // the next spare
    const stuck = await sb.execute("stuck", opts(50));
    expect(stuck.error).toMatch(/restarted/);
    expect(FakeFrame.created[1]!.destroyed).toBe(true);
    expect(sb.status).toBe("ready");
    expect((await sb.execute("print(3)", opts())).stdout).toBe("print(3)\n");
    expect(FakeFrame.created[2]!.received.some((m) => m.type === "execute")).toBe(true);
    await sb.dispose();
    expect(FakeFrame.created.every((f) => f.destroyed)).toBe(true);
  });

  it("never lets a spare's messages answer the execution in flight", async () => {
    const sb = makeSandbox("ok", { spare: true });
    await sb.execute("print(1)", opts());
    await spareBooted(2);
    const spare = FakeFrame.created[1]!;
    const running = sb.execute("stuck", opts(2000));
    await new Promise((r) => setTimeout(r, 20));
    spare.raw({ type: "result", id: 2, result: { ...OK, stdout: "from the spare\n" }, interrupted: false });
    const r = await running;
    expect(r.stdout).not.toContain("from the spare");
    expect(r.timedOut).toBe(true);
  });

  it("after a crash, starts from scratch rather than trusting the spare", async () => {
    const sb = makeSandbox("ok", { spare: true });
    await sb.execute("print(1)", opts());
    await spareBooted(2);
    const r = await sb.execute("crash", opts());
    expect(r.error).toMatch(/crashed/);
    expect(FakeFrame.created[0]!.destroyed).toBe(true);
    expect(FakeFrame.created[1]!.destroyed).toBe(true); // the spare
    expect((await sb.execute("print(2)", opts())).stdout).toBe("print(2)\n");
    expect(FakeFrame.created[2]!.received.some((m) => m.type === "execute")).toBe(true);
  });
});
