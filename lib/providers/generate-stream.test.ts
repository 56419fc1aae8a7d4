import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { GenerateFrameSchema, NdjsonDecoder, type GenerateFrame, type GenerateResult } from "@/lib/protocol";
import { startScriptedServer, type ScriptedServer } from "@/e2e/fixtures/scripted-server";
import { readServerConfig } from "./config";
import { generateResponse, generateStream } from "./generate-stream";
import { fuManchu, generateRequest } from "./testing/helpers";
import { ModelError, type Provider } from "./types";

/** A provider that yields the given chunks, then returns or throws. */
function fakeProvider(chunks: string[], end: GenerateResult | Error): Provider {
  return {
    async *generate() {
      for (const chunk of chunks) yield chunk;
      if (end instanceof Error) throw end;
      return end;
    },
  };
}

/** A provider that yields one chunk, then waits until its signal aborts (like a model mid-stream). */
function waitingProvider(seen: { signal?: AbortSignal }): Provider {
  return {
    async *generate(_request, signal) {
      seen.signal = signal;
      yield "Okay, so";
      if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      return { finishReason: "abort" };
    },
  };
}

async function readFrames(stream: ReadableStream<Uint8Array>): Promise<GenerateFrame[]> {
  const decoder = new NdjsonDecoder();
  const frames: unknown[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    frames.push(...decoder.push(value));
  }
  frames.push(...decoder.end());
  return frames.map((f) => GenerateFrameSchema.parse(f));
}

const never = () => new AbortController().signal;

describe("generateStream: NDJSON frames", () => {
  it("sends text frames as chunks arrive, then done with the result", async () => {
    const frames = await readFrames(
      generateStream(fakeProvider(["Okay, ", "so I ", "héllo 😀"], { finishReason: "stop", matchedStop: "Wait" }), generateRequest(), never()),
    );
    expect(frames).toEqual([
      { type: "text", text: "Okay, " },
      { type: "text", text: "so I " },
      { type: "text", text: "héllo 😀" },
      { type: "done", result: { finishReason: "stop", matchedStop: "Wait" } },
    ]);
  });

  it("ends with an error frame after the text already streamed", async () => {
    const error = new ModelError("stream-broken", "The connection to the model server broke mid-stream after 9 characters (terminated).");
    const frames = await readFrames(generateStream(fakeProvider(["Okay, ", "so"], error), generateRequest(), never()));
    expect(frames).toEqual([
      { type: "text", text: "Okay, " },
      { type: "text", text: "so" },
      { type: "error", code: "stream-broken", message: error.message },
    ]);
  });

  it("does not leak an unexpected error's details to the client", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const frames = await readFrames(generateStream(fakeProvider([], new Error("EACCES /home/me/.secrets")), generateRequest(), never()));
      expect(frames).toHaveLength(1);
      expect(frames[0]).toMatchObject({ type: "error", code: "internal" });
      expect(JSON.stringify(frames)).not.toContain("secrets");
      expect(log).toHaveBeenCalled();
    } finally {
      log.mockRestore();
    }
  });

  it("aborts the provider when the request's signal aborts (the client disconnected)", async () => {
    const seen: { signal?: AbortSignal } = {};
    const request = new AbortController();
    const reader = generateStream(waitingProvider(seen), generateRequest(), request.signal).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('{"type":"text","text":"Okay, so"}\n');
    expect(seen.signal?.aborted).toBe(false);
    request.abort();
    expect(seen.signal?.aborted).toBe(true);
    const rest = await reader.read();
    expect(new TextDecoder().decode(rest.value)).toBe('{"type":"done","result":{"finishReason":"abort"}}\n');
  });

  it("aborts the provider when the response stream is cancelled", async () => {
    const seen: { signal?: AbortSignal } = {};
    const reader = generateStream(waitingProvider(seen), generateRequest(), never()).getReader();
    await reader.read();
    await reader.cancel();
    expect(seen.signal?.aborted).toBe(true);
  });
});

describe("generateResponse against the scripted server", () => {
  let server: ScriptedServer;
  beforeAll(async () => {
    server = await startScriptedServer({ chunksPerSecond: 0 });
  });
  afterAll(() => server.close());
  const serverConfig = () => readServerConfig({ HINTLAB_BASE_URL: server.baseUrl, HINTLAB_MODEL: "scripted-r1" });

  it("streams a real trace up to the stop, as NDJSON frames", async () => {
    const response = generateResponse({ request: generateRequest({ stop: ["Wait"] }), settings: {} }, never(), { server: serverConfig() });
    expect(response.headers.get("content-type")).toBe("application/x-ndjson; charset=utf-8");
    const frames = await readFrames(response.body!);
    const text = frames.flatMap((f) => (f.type === "text" ? [f.text] : [])).join("");
    expect(text).toBe(fuManchu.completion.slice(0, fuManchu.completion.indexOf("Wait")));
    expect(frames.at(-1)).toMatchObject({ type: "done", result: { finishReason: "stop", matchedStop: "Wait" } });
  });

  it("continues an edited prefix raw over completions (the prompt ends with the correction); over chat it is an error frame", async () => {
    const corrected = fuManchu.prompt + fuManchu.completion.slice(0, 300) + "Let me restate it: 6% a year, compounded monthly.";
    const before = server.requests.length;
    const raw = await readFrames(generateResponse({ request: generateRequest({ prompt: corrected, editedPrefix: true }), settings: {} }, never(), { server: serverConfig() }).body!);
    expect(raw.at(-1)).toMatchObject({ type: "done" });
    expect(server.requests[before]).toMatchObject({ endpoint: "completions", prompt: corrected });
    const chat = await readFrames(
      generateResponse({ request: generateRequest({ prompt: corrected, editedPrefix: true }), settings: { provider: "openai-chat" } }, never(), { server: serverConfig() }).body!,
    );
    expect(chat).toEqual([{ type: "error", code: "bad-request", message: expect.stringContaining("only a raw completions endpoint continues exactly") }]);
    expect(server.requests.length).toBe(before + 1);
  });

  it("turns a missing configuration into an error frame that says what to set", async () => {
    const response = generateResponse({ request: generateRequest(), settings: {} }, never(), {
      server: readServerConfig({ HINTLAB_PROVIDER: "openai-completions" }),
    });
    const frames = await readFrames(response.body!);
    expect(frames).toHaveLength(1);
    expect(frames[0]).toMatchObject({ type: "error", code: "not-configured" });
    expect((frames[0] as { message: string }).message).toContain("HINTLAB_BASE_URL");
  });

  it("aborts the upstream model request when the client goes away", async () => {
    const slow = await startScriptedServer({ chunksPerSecond: 100 });
    try {
      const client = new AbortController();
      const response = generateResponse({ request: generateRequest(), settings: {} }, client.signal, {
        server: readServerConfig({ HINTLAB_BASE_URL: slow.baseUrl, HINTLAB_MODEL: "scripted-r1" }),
      });
      const reader = response.body!.getReader();
      await reader.read();
      client.abort();
      await slow.requests[0]!.settled;
      expect(slow.requests[0]!.aborted).toBe(true);
      expect(slow.requests[0]!.text.length).toBeLessThan(fuManchu.completion.length);
    } finally {
      await slow.close();
    }
  });
});
