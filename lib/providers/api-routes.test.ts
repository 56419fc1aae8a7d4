// Exercises the thin route handlers of app/api/generate and app/api/config (they only parse and
// delegate to this folder; the orchestration itself is tested in generate-stream.test.ts).
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ApiErrorBodySchema, GenerateFrameSchema, NdjsonDecoder, PublicModelConfigSchema } from "@/lib/protocol";
import { startScriptedServer, type ScriptedServer } from "@/e2e/fixtures/scripted-server";
import { POST } from "@/app/api/generate/route";
import { GET } from "@/app/api/config/route";
import { generateRequest } from "./testing/helpers";

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer({ chunksPerSecond: 0 });
});
afterAll(() => server.close());
afterEach(() => vi.unstubAllEnvs());

const post = (body: unknown) =>
  POST(new Request("http://localhost/api/generate", { method: "POST", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) }));

describe("POST /api/generate", () => {
  it("answers 400 with the field that is wrong", async () => {
    const { maxTokens: _omitted, ...request } = generateRequest();
    const response = await post({ request });
    expect(response.status).toBe(400);
    const body = ApiErrorBodySchema.parse(await response.json());
    expect(body.error.code).toBe("bad-request");
    expect(body.error.message).toMatch(/^request\.maxTokens: /);
  });

  it("answers 400 for a body that is not JSON", async () => {
    const response = await post("{not json");
    expect(response.status).toBe(400);
    expect((await response.json()).error.message).toBe("the request body is not valid JSON");
  });

  it("streams NDJSON frames from the configured server", async () => {
    vi.stubEnv("HINTLAB_BASE_URL", server.baseUrl);
    vi.stubEnv("HINTLAB_MODEL", "scripted-r1");
    const response = await post({ request: generateRequest({ maxTokens: 8 }) });
    expect(response.status).toBe(200);
    const decoder = new NdjsonDecoder();
    const frames = [...decoder.push(new Uint8Array(await response.arrayBuffer())), ...decoder.end()].map((f) => GenerateFrameSchema.parse(f));
    expect(frames.at(-1)).toMatchObject({ type: "done", result: { finishReason: "length" } });
    expect(frames.filter((f) => f.type === "text").length).toBe(8);
  });
});

describe("POST /api/generate refuses what a browser must not choose", () => {
  it("a base URL in the settings (SSRF): 400, and the server never calls it", async () => {
    vi.stubEnv("HINTLAB_BASE_URL", server.baseUrl);
    vi.stubEnv("HINTLAB_MODEL", "scripted-r1");
    const before = server.requests.length;
    const response = await post({ request: generateRequest({ maxTokens: 8 }), settings: { baseUrl: "http://127.0.0.1:1/v1" } });
    expect(response.status).toBe(400);
    expect(ApiErrorBodySchema.parse(await response.json()).error.message).toMatch(/cannot choose a base URL; choose a connection/);
    expect(server.requests.length).toBe(before);
  });

  it("an unknown connection id: an error frame naming it", async () => {
    vi.stubEnv("HINTLAB_BASE_URL", server.baseUrl);
    vi.stubEnv("HINTLAB_MODEL", "scripted-r1");
    const response = await post({ request: generateRequest({ maxTokens: 8 }), settings: { connection: "nope" } });
    const text = await response.text();
    expect(text).toContain('no model connection \\"nope\\"');
  });
});

describe("GET /api/config", () => {
  it("shows the connection without the key", async () => {
    vi.stubEnv("HINTLAB_BASE_URL", server.baseUrl);
    vi.stubEnv("HINTLAB_MODEL", "scripted-r1");
    vi.stubEnv("HINTLAB_API_KEY", "sk-do-not-show");
    const response = await GET(new Request("http://localhost/api/config"));
    const text = await response.text();
    expect(text).not.toContain("sk-do-not-show");
    expect(PublicModelConfigSchema.parse(JSON.parse(text))).toMatchObject({ configured: true, baseUrl: server.baseUrl, hasApiKey: true });
  });
});
