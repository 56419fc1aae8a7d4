import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startScriptedServer, type ScriptedServer } from "@/e2e/fixtures/scripted-server";
import { createOpenAIChatProvider } from "./openai-chat";
import { fuManchu, generateRequest, modelConfig, run } from "./testing/helpers";
import { ModelError } from "./types";

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer({ chunksPerSecond: 0 });
});
afterAll(() => server.close());

const provider = (baseUrl = server.baseUrl, overrides = {}) =>
  createOpenAIChatProvider(modelConfig(baseUrl, { provider: "openai-chat", ...overrides }));
const firstWait = fuManchu.completion.indexOf("Wait");

describe("openai-chat provider (assistant prefill)", () => {
  it("continues the assistant prefill in place, with vLLM's continue_final_message", async () => {
    const prefill = "<think>\n" + fuManchu.completion.slice(0, 250);
    const before = server.requests.length;
    const out = await run(provider(), generateRequest({ assistantPrefill: prefill, stop: ["Wait"], temperature: 0.6 }));
    expect(out.error).toBeUndefined();
    expect(out.text).toBe(fuManchu.completion.slice(250, firstWait));
    expect(out.result).toMatchObject({ finishReason: "stop", matchedStop: "Wait" });
    expect(out.result?.usage?.promptTokens).toBeGreaterThan(0);
    expect(server.requests[before]!.body).toMatchObject({
      model: "scripted-r1",
      messages: [
        { role: "user", content: fuManchu.problem },
        { role: "assistant", content: prefill },
      ],
      continue_final_message: true,
      add_generation_prompt: false,
      stream: true,
      stream_options: { include_usage: true },
      stop: ["Wait"],
      max_tokens: 100_000,
      temperature: 0.6,
    });
  });

  it("ends with eos and with length like the completions path", async () => {
    expect((await run(provider(), generateRequest())).result?.finishReason).toBe("eos");
    const short = await run(provider(), generateRequest({ maxTokens: 5 }));
    expect(short.result?.finishReason).toBe("length");
    expect(short.result?.usage?.completionTokens).toBe(5);
  });

  it("returns abort when the signal aborts mid-stream", async () => {
    const slow = await startScriptedServer({ chunksPerSecond: 200 });
    try {
      const controller = new AbortController();
      const out = await run(provider(slow.baseUrl), generateRequest(), controller.signal, (_c, index) => {
        if (index === 1) controller.abort();
      });
      expect(out.result?.finishReason).toBe("abort");
      expect(out.chunks.length).toBe(2);
      await slow.requests[0]!.settled;
      expect(slow.requests[0]!.aborted).toBe(true);
    } finally {
      await slow.close();
    }
  });

  it("maps errors the same way: unknown model lists what the server has", async () => {
    const out = await run(provider(server.baseUrl, { model: "deepseek-r1" }), generateRequest());
    expect(out.error).toBeInstanceOf(ModelError);
    expect((out.error as ModelError).code).toBe("model-not-found");
    expect((out.error as ModelError).message).toContain("Available: scripted-r1");
  });

  it("refuses a prefix holding an edit (a fork continued from a correction) without calling the server, and says to use completions", async () => {
    const before = server.requests.length;
    const out = await run(provider(), generateRequest({ assistantPrefill: "<think>\n" + fuManchu.completion.slice(0, 250), editedPrefix: true }));
    expect(out.chunks).toEqual([]);
    expect((out.error as ModelError).code).toBe("bad-request");
    expect((out.error as ModelError).message).toMatch(/continues from an edit.*completions connection/);
    expect(server.requests.length).toBe(before);
  });

  it("a stream cut mid-way keeps the text and throws stream-broken", async () => {
    const out = await run(provider(`${server.url}/fail/break/v1`), generateRequest());
    expect((out.error as ModelError).code).toBe("stream-broken");
    expect(out.text.length).toBeGreaterThan(0);
    expect(fuManchu.completion.startsWith(out.text)).toBe(true);
  });
});
