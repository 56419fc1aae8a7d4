import { describe, expect, it } from "vitest";
import { selectTraceText, type EngineState } from "@/lib/engine";
import { encodeNdjson, type GenerateBody, type GenerateFrame, type Sandbox, type TraceConfig } from "@/lib/protocol";
import { HINTLAB_UNREACHABLE, traceStatus } from "./trace-writer";
import { SessionHost } from "./session-host";

const config: TraceConfig = {
  provider: "openai-completions",
  model: "m",
  template: "qwq",
  sampling: { maxTokens: 1000 },
  triggers: ["Wait"],
  policy: { type: "manual", pauseAtTriggers: true, pauseAtEndOfThinking: false },
  maxToolCalls: 6,
  toolTimeoutMs: 1000,
  maxOutputChars: 1000,
  hintLibraryVersion: "t",
  policySeed: 0,
};

/** A fake /api/generate: each call streams the next scripted list of frames; records bodies and aborts. */
function fakeFetch(scripts: GenerateFrame[][]) {
  const calls: { body: GenerateBody; aborted: () => boolean }[] = [];
  const fn = (async (_url: string, init: RequestInit) => {
    const frames = scripts.shift() ?? [];
    const signal = init.signal!;
    calls.push({ body: JSON.parse(init.body as string) as GenerateBody, aborted: () => signal.aborted });
    const enc = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async pull(c) {
        const f = frames.shift();
        await new Promise((r) => setTimeout(r, 1));
        if (signal.aborted) return c.error(new DOMException("aborted", "AbortError"));
        if (!f) return c.close();
        c.enqueue(enc.encode(encodeNdjson(f)));
      },
    });
    return new Response(body, { status: 200 });
  }) as unknown as typeof fetch;
  return { fn, calls };
}

const sandbox: Sandbox = {
  execute: async (code) => ({ stdout: `ran ${code.trim()}\n`, stderr: "", timedOut: false, truncated: false, durationMs: 1 }),
  reset: async () => {},
  dispose: async () => {},
};

function host(scripts: GenerateFrame[][]) {
  const f = fakeFetch(scripts);
  const states: EngineState[] = [];
  let t = 0;
  const h = new SessionHost(
    { fetch: f.fn, sandbox: () => sandbox, now: () => ++t, onChange: (s) => states.push(s) },
    { traceId: "t", problem: { id: "p", kind: "math", statement: "1+1?", gold: "2" }, config, policyHints: [], settings: { model: "m" } },
  );
  return { h, calls: f.calls, states };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 2));
  if (!cond()) throw new Error("condition not reached");
};

describe("SessionHost", () => {
  it("aborts the upstream stream at a pause, resumes with a hint, runs the code and finishes graded", async () => {
    const { h, calls } = host([
      [{ type: "text", text: "One plus one. " }, { type: "text", text: "Wait, " }, { type: "text", text: "never seen" }],
      [{ type: "text", text: "print(1+1)\n```\n" }, { type: "text", text: "ignored after the block" }],
      [{ type: "text", text: "So \\boxed{2}." }, { type: "done", result: { finishReason: "eos" } }],
    ]);
    h.dispatch({ type: "start", at: 0 });
    await until(() => h.current.phase === "paused");
    expect(calls[0]!.aborted()).toBe(true);
    expect(calls[0]!.body.settings).toEqual({ model: "m" });
    h.dispatch({ type: "inject", hint: { id: "h", text: "Wait, use Python.\n```python\n" }, at: 0 });
    await until(() => h.current.phase === "finished" && h.current.verdict !== undefined);
    expect(calls).toHaveLength(3);
    expect(calls[1]!.aborted()).toBe(true);
    expect(calls[2]!.body.request.prompt).toContain("```output\nran print(1+1)\n```\n");
    expect(selectTraceText(h.current.segments)).not.toContain("never seen");
    expect(h.current.verdict).toBe("correct");
  });

  it("an error frame keeps the text received and says what went wrong", async () => {
    const { h } = host([[{ type: "text", text: "Partial" }, { type: "error", code: "stream-broken", message: "The model server closed the stream." }]]);
    h.dispatch({ type: "start", at: 0 });
    await until(() => h.current.phase === "failed");
    expect(h.current.error).toEqual({ code: "stream-broken", message: "The model server closed the stream." });
    expect(selectTraceText(h.current.segments).endsWith("Partial")).toBe(true);
  });

  it("a stream that ends without a final frame is the hintlab server going away, not the end of the answer: stored as interrupted", async () => {
    const { h } = host([[{ type: "text", text: "Half" }]]);
    h.dispatch({ type: "start", at: 0 });
    await until(() => h.current.phase === "failed");
    expect(h.current.error?.code).toBe(HINTLAB_UNREACHABLE);
    expect(selectTraceText(h.current.segments).endsWith("Half")).toBe(true);
    expect(traceStatus(h.current)).toBe("interrupted");
  });

  it("a model-server error is a failure of the trace, not an interruption", async () => {
    const { h } = host([[{ type: "text", text: "Partial" }, { type: "error", code: "stream-broken", message: "The model server closed the stream." }]]);
    h.dispatch({ type: "start", at: 0 });
    await until(() => h.current.phase === "failed");
    expect(traceStatus(h.current)).toBe("failed");
  });
});
