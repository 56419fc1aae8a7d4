import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startScriptedServer, type ScriptedServer } from "@/e2e/fixtures/scripted-server";
import { createProvider } from "./create-provider";
import { closedPort, fuManchu, generateRequest, modelConfig, run } from "./testing/helpers";
import { ModelError } from "./types";

// LM Studio: the completions wire protocol, stops found in the text, LM Studio's own error hints.
let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer({ chunksPerSecond: 2000 });
});
afterAll(() => server.close());

const lmstudio = (baseUrl: string, model = "scripted-r1") => createProvider(modelConfig(baseUrl, { provider: "lmstudio", model }));
const firstWait = fuManchu.completion.indexOf("Wait");

function expectModelError(error: unknown, code: ModelError["code"]): ModelError {
  expect(error).toBeInstanceOf(ModelError);
  expect((error as ModelError).code).toBe(code);
  return error as ModelError;
}

describe("lmstudio provider", () => {
  it("finds the stop in the text (none is sent), reports which one, and closes the request", async () => {
    const before = server.requests.length;
    const out = await run(lmstudio(server.baseUrl), generateRequest({ stop: ["Wait", "</think>"], maxTokens: 2_000 }));
    const sent = server.requests[before]!;
    expect(sent.endpoint).toBe("completions");
    expect(sent.body).not.toHaveProperty("stop");
    expect(sent.body).toMatchObject({ prompt: fuManchu.prompt, max_tokens: 2_000, stream: true });
    expect(out.error).toBeUndefined();
    expect(out.text).toBe(fuManchu.completion.slice(0, firstWait));
    expect(out.result).toMatchObject({ finishReason: "stop", matchedStop: "Wait" });
    await sent.settled;
    expect(sent.aborted).toBe(true);
  });

  it("without a stop in the text, the server's own end is eos and nothing is held back", async () => {
    const out = await run(lmstudio(server.baseUrl), generateRequest({ stop: ["<never written>"] }));
    expect(out.text).toBe(fuManchu.completion);
    expect(out.result?.finishReason).toBe("eos");
  });

  it("a model LM Studio has not loaded (404, JIT loading off) says `lms load NAME`", async () => {
    const lms = http.createServer((req, res) => {
      res.writeHead(req.url === "/v1/models" ? 200 : 404, { "content-type": "application/json" });
      res.end(
        req.url === "/v1/models"
          ? JSON.stringify({ object: "list", data: [{ id: "qwq-32b", object: "model", owned_by: "organization_owner" }] })
          : JSON.stringify({ error: { message: "No models loaded. Please load a model in the developer page or use the 'lms load' command.", type: "invalid_request_error", param: "model", code: null } }),
      );
    });
    await new Promise<void>((resolve) => lms.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(lms.address() as AddressInfo).port}/v1`;
    try {
      const notLoaded = expectModelError((await run(lmstudio(base, "qwq-32b"), generateRequest())).error, "model-not-found");
      expect(notLoaded.message).toContain("lms load qwq-32b");
      expect(notLoaded.message).toContain("No models loaded");
      const unknown = expectModelError((await run(lmstudio(base, "qwen3-8b"), generateRequest())).error, "model-not-found");
      expect(unknown.message).toContain('LM Studio has no model "qwen3-8b"');
      expect(unknown.message).toContain("It has: qwq-32b");
    } finally {
      await new Promise((r) => lms.close(r));
    }
  });

  it("nothing listening says how to start LM Studio's server", async () => {
    const port = await closedPort();
    const error = expectModelError((await run(lmstudio(`http://127.0.0.1:${port}/v1`), generateRequest())).error, "connection-refused");
    expect(error.message).toContain("lms server start");
  });
});
