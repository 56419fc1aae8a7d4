import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startScriptedServer, type ScriptedServer } from "@/e2e/fixtures/scripted-server";
import { extractServerMessage } from "./errors";
import { mapFinish } from "./openai-stream";
import { createOpenAICompletionsProvider } from "./openai-completions";
import { closedPort, fuManchu, generateRequest, modelConfig, run } from "./testing/helpers";
import { ModelError } from "./types";

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer({ chunksPerSecond: 0 });
});
afterAll(() => server.close());

const provider = (baseUrl = server.baseUrl, overrides = {}) => createOpenAICompletionsProvider(modelConfig(baseUrl, overrides));
const firstWait = fuManchu.completion.indexOf("Wait");

function expectModelError(error: unknown, code: ModelError["code"]): ModelError {
  expect(error).toBeInstanceOf(ModelError);
  expect((error as ModelError).code).toBe(code);
  return error as ModelError;
}

describe("openai-completions provider: streaming", () => {
  it("streams the text in chunks and ends with eos and usage", async () => {
    const out = await run(provider(), generateRequest());
    expect(out.error).toBeUndefined();
    expect(out.chunks.length).toBeGreaterThan(100);
    expect(out.text).toBe(fuManchu.completion);
    expect(out.result?.finishReason).toBe("eos");
    expect(out.result?.matchedStop).toBeUndefined();
    expect(out.result?.usage?.promptTokens).toBe(Math.ceil(fuManchu.prompt.length / 4));
    expect(out.result?.usage?.completionTokens).toBeGreaterThan(100);
  });

  it("sends the prompt, stops, max_tokens and sampling as asked", async () => {
    const before = server.requests.length;
    await run(provider(), generateRequest({ stop: ["Wait", "</think>"], maxTokens: 7, temperature: 0.6, topP: 0.95, seed: 3 }));
    const body = server.requests[before]!.body!;
    expect(body).toMatchObject({
      model: "scripted-r1",
      prompt: fuManchu.prompt,
      stream: true,
      stream_options: { include_usage: true },
      stop: ["Wait", "</think>"],
      max_tokens: 7,
      temperature: 0.6,
      top_p: 0.95,
      seed: 3,
    });
  });

  it("honours stop strings and reports which one matched", async () => {
    const out = await run(provider(), generateRequest({ stop: ["Wait", "</think>"] }));
    expect(out.text).toBe(fuManchu.completion.slice(0, firstWait));
    expect(out.result).toMatchObject({ finishReason: "stop", matchedStop: "Wait" });
  });

  it("ends with length at max_tokens", async () => {
    const out = await run(provider(), generateRequest({ maxTokens: 12 }));
    expect(out.result?.finishReason).toBe("length");
    expect(out.result?.usage?.completionTokens).toBe(12);
    expect(fuManchu.completion.startsWith(out.text)).toBe(true);
  });

  it("records cached prompt tokens when a longer prompt is re-sent", async () => {
    const prompt = `[${Date.now()}] ${fuManchu.prompt}`;
    const first = await run(provider(), generateRequest({ prompt, stop: ["Wait"] }));
    const second = await run(provider(), generateRequest({ prompt: prompt + first.text + "Wait, maybe using Python here is a good idea.\n```python\n" }));
    expect(first.result?.usage?.cachedTokens).toBe(0);
    expect(second.result?.usage?.cachedTokens).toBe(Math.floor((prompt.length + first.text.length) / 4));
  });

  it("passes through a server that ignores stop (the engine scans the text itself)", async () => {
    const out = await run(provider(`${server.url}/nostop/v1`), generateRequest({ stop: ["Wait"] }));
    expect(out.text).toBe(fuManchu.completion);
    expect(out.result?.finishReason).toBe("eos");
  });

  it("returns finishReason abort when the signal aborts mid-stream, keeping the text, and ends the upstream request", async () => {
    const slow = await startScriptedServer({ chunksPerSecond: 200 });
    try {
      const controller = new AbortController();
      const out = await run(provider(slow.baseUrl), generateRequest(), controller.signal, (_chunk, index) => {
        if (index === 2) controller.abort();
      });
      expect(out.error).toBeUndefined();
      expect(out.result?.finishReason).toBe("abort");
      expect(out.chunks.length).toBe(3);
      expect(fuManchu.completion.startsWith(out.text)).toBe(true);
      await slow.requests[0]!.settled;
      expect(slow.requests[0]!.aborted).toBe(true);
    } finally {
      await slow.close();
    }
  });

  it("does not call the server when the signal is already aborted", async () => {
    const before = server.requests.length;
    const controller = new AbortController();
    controller.abort();
    const out = await run(provider(), generateRequest(), controller.signal);
    expect(out.result).toEqual({ finishReason: "abort" });
    expect(server.requests.length).toBe(before);
  });
});

describe("openai-completions provider: errors say what to fix", () => {
  it("refused connection", async () => {
    const baseUrl = `http://127.0.0.1:${await closedPort()}/v1`;
    const out = await run(provider(baseUrl), generateRequest());
    const error = expectModelError(out.error, "connection-refused");
    expect(error.message).toBe(
      `Could not connect to the model server at ${baseUrl}: connection refused. Is the server running? Check HINTLAB_BASE_URL or the base URL in Model settings.`,
    );
  });

  it("a port fetch refuses as unsafe says so", async () => {
    const out = await run(provider("http://127.0.0.1:9/v1"), generateRequest());
    const error = expectModelError(out.error, "connection-refused");
    expect(error.message).toContain("fetch refuses port 9 as unsafe. Run the model server on another port");
  });

  it("401: the key was rejected", async () => {
    const out = await run(provider(`${server.url}/fail/401/v1`, { apiKey: "wrong" }), generateRequest());
    const error = expectModelError(out.error, "unauthorized");
    expect(error.message).toMatch(/^The model server rejected the API key \(401\)\. Set HINTLAB_API_KEY/);
    expect(error.message).not.toContain("wrong");
  });

  it("401 with no key sent says so", async () => {
    const keyed = await startScriptedServer({ apiKey: "sekrit", chunksPerSecond: 0 });
    try {
      const error = expectModelError((await run(provider(keyed.baseUrl), generateRequest())).error, "unauthorized");
      expect(error.message).toContain("No key was sent");
      const ok = await run(provider(keyed.baseUrl, { apiKey: "sekrit" }), generateRequest({ maxTokens: 3 }));
      expect(ok.result?.finishReason).toBe("length");
    } finally {
      await keyed.close();
    }
  });

  it("404 for an unknown model lists the models the server has", async () => {
    const out = await run(provider(server.baseUrl, { model: "Qwen/QwQ-32B" }), generateRequest());
    const error = expectModelError(out.error, "model-not-found");
    expect(error.message).toBe(
      'The model server has no model named "Qwen/QwQ-32B" (404). Available: scripted-r1 (from /models). Set HINTLAB_MODEL or the model in Model settings to one of them.',
    );
  });

  it("404 for a missing /completions endpoint suggests the chat provider", async () => {
    const out = await run(provider(`${server.url}/fail/nocompletions/v1`), generateRequest());
    const error = expectModelError(out.error, "endpoint-not-found");
    expect(error.message).toContain("has no /completions endpoint (404); switch Model settings → provider to chat (assistant prefill)");
  });

  it("404 everywhere means the base URL is wrong (e.g. missing /v1)", async () => {
    const out = await run(provider(server.url), generateRequest());
    const error = expectModelError(out.error, "endpoint-not-found");
    expect(error.message).toContain("the base URL is probably wrong");
    expect(error.message).toContain("…/v1");
  });

  it("500 carries the server's own message", async () => {
    const out = await run(provider(`${server.url}/fail/500/v1`), generateRequest());
    const error = expectModelError(out.error, "server-error");
    expect(error.message).toBe("The model server failed with 500: Internal server error (scripted failure). Check the server's log; retrying may help.");
  });

  it("a stream cut mid-way keeps the text received, then throws stream-broken", async () => {
    const out = await run(provider(`${server.url}/fail/break/v1`), generateRequest());
    const error = expectModelError(out.error, "stream-broken");
    expect(out.chunks.length).toBe(20);
    expect(fuManchu.completion.startsWith(out.text)).toBe(true);
    expect(error.message).toContain(`broke mid-stream after ${out.text.length} characters`);
    expect(error.message).toContain("The text received so far is kept");
  });

  it("malformed SSE data", async () => {
    const out = await run(provider(`${server.url}/fail/malformed/v1`), generateRequest());
    const error = expectModelError(out.error, "malformed-stream");
    expect(out.text.length).toBeGreaterThan(0);
    expect(error.message).toContain("not valid server-sent events JSON");
  });

  it("a server that never answers times out", async () => {
    const out = await run(provider(`${server.url}/fail/hang/v1`, { timeoutMs: 300 }), generateRequest());
    const error = expectModelError(out.error, "timeout");
    expect(error.message).toContain("sent nothing for 0 s");
    expect(error.message).toContain("HINTLAB_TIMEOUT_MS");
  });

  it("a stream that goes silent mid-way times out, keeping the text", async () => {
    const out = await run(provider(`${server.url}/fail/stall/v1`, { timeoutMs: 300 }), generateRequest());
    expectModelError(out.error, "timeout");
    expect(out.chunks.length).toBe(20);
  });

  it("a slow reader is not a silent server: the idle timer only runs while waiting on the server", async () => {
    const out = await run(provider(server.baseUrl, { timeoutMs: 200 }), generateRequest({ maxTokens: 3 }), undefined, async () => {
      await new Promise((resolve) => setTimeout(resolve, 400)); // hold the chunk longer than the timeout
    });
    expect(out.error).toBeUndefined();
    expect(out.result?.finishReason).toBe("length");
  });
});

describe("server error bodies", () => {
  it("extracts the message from vLLM, OpenAI and FastAPI shapes, and plain text", () => {
    expect(extractServerMessage('{"object":"error","message":"This model\'s maximum context length is 32768 tokens.","type":"BadRequestError","param":null,"code":400}')).toBe(
      "This model's maximum context length is 32768 tokens.",
    );
    expect(extractServerMessage('{"error":{"message":"Invalid model","type":"invalid_request_error"}}')).toBe("Invalid model");
    expect(extractServerMessage('{"error":"Unauthorized"}')).toBe("Unauthorized");
    expect(extractServerMessage('{"detail":[{"loc":["body","prompt"],"msg":"field required"}]}')).toBe('[{"loc":["body","prompt"],"msg":"field required"}]');
    // Pages that are not a model server's JSON error are summarised, never forwarded (SSRF, internal pages).
    expect(extractServerMessage("<html>\n<body>Bad Gateway</body></html>")).toBe("a non-JSON body of 38 characters");
    expect(extractServerMessage("internal secret page")).toBe("a non-JSON body of 20 characters");
    expect(extractServerMessage(JSON.stringify({ message: "x".repeat(1000) }))).toHaveLength(301);
    expect(extractServerMessage("")).toBeUndefined();
  });
});

describe("finish reason mapping", () => {
  const config = modelConfig("http://localhost:8000/v1");
  const view = (finishReason: string, fields: { stopReason?: unknown; reportsStopReason?: boolean } = {}) => ({
    text: "",
    finishReason,
    stopReason: fields.stopReason,
    reportsStopReason: fields.reportsStopReason ?? "stopReason" in fields,
  });

  it("maps vLLM's stop_reason: string → stop + matchedStop, null or a token id → eos", () => {
    expect(mapFinish(view("stop", { stopReason: "Wait" }), ["Wait"], config)).toEqual({ finishReason: "stop", matchedStop: "Wait" });
    expect(mapFinish(view("stop", { stopReason: null }), ["Wait"], config)).toEqual({ finishReason: "eos" });
    expect(mapFinish(view("stop", { stopReason: 151643 }), ["Wait"], config)).toEqual({ finishReason: "eos" });
    expect(mapFinish(view("length", { stopReason: null }), [], config)).toEqual({ finishReason: "length" });
  });

  it("a server that does not report stop_reason: stop without matchedStop when stops were asked, else eos", () => {
    expect(mapFinish(view("stop"), ["Wait"], config)).toEqual({ finishReason: "stop" });
    expect(mapFinish(view("stop"), [], config)).toEqual({ finishReason: "eos" });
  });

  it("a server-side abort is an error, not a user abort", () => {
    expect(() => mapFinish(view("abort", { stopReason: null }), [], config)).toThrow(ModelError);
  });
});
