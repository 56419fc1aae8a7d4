import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConnectionBodySchema, PublicModelConfigSchema } from "@/lib/protocol";
import { publicConfig, readServerConfig, resolveModelConfig, type ModelConfig } from "./config";
import { DEFAULT_LOCAL_MODEL } from "./local/source";
import { ModelError } from "./types";

const env = (vars: Record<string, string>) => readServerConfig(vars);
const VLLM = { HINTLAB_BASE_URL: "http://gpu-box:8000/v1/", HINTLAB_MODEL: "Qwen/QwQ-32B", HINTLAB_API_KEY: "sk-secret-123" };

function catchModelError(fn: () => unknown): ModelError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ModelError);
    return error as ModelError;
  }
  throw new Error("expected a ModelError");
}

describe("server config", () => {
  it("reads the environment with defaults", () => {
    expect(env(VLLM)).toEqual({
      provider: "openai-completions",
      baseUrl: "http://gpu-box:8000/v1",
      model: "Qwen/QwQ-32B",
      apiKey: "sk-secret-123",
      template: "qwq",
      timeoutMs: 300_000,
      local: expect.objectContaining({ model: DEFAULT_LOCAL_MODEL }),
      issues: [],
    });
    expect(env({ ...VLLM, HINTLAB_API_KEY: "", OPENAI_API_KEY: "sk-openai" }).apiKey).toBe("sk-openai");
    expect(env({ ...VLLM, HINTLAB_PROVIDER: "openai-chat", HINTLAB_TEMPLATE: "deepseek-r1" })).toMatchObject({
      provider: "openai-chat",
      template: "deepseek-r1",
    });
  });

  it("reports unusable values with what to write instead", () => {
    const config = env({ ...VLLM, HINTLAB_TEMPLATE: "chatml", HINTLAB_BASE_URL: "localhost:8000", HINTLAB_TIMEOUT_MS: "soon" });
    expect(config.issues).toEqual([
      'HINTLAB_BASE_URL "localhost:8000" must start with http:// or https://, e.g. http://localhost:8000/v1.',
      'HINTLAB_TEMPLATE="chatml" is not a template; use one of qwq, qwen3, deepseek-r1, raw.',
      'HINTLAB_TIMEOUT_MS="soon" must be a positive number of milliseconds.',
    ]);
    const error = catchModelError(() => resolveModelConfig({}, config));
    expect(error.code).toBe("not-configured");
    expect(error.message).toContain("HINTLAB_TEMPLATE");
  });

  it("is not configured without a base URL and a model, and says what to set", () => {
    const error = catchModelError(() => resolveModelConfig({}, env({ HINTLAB_PROVIDER: "openai-completions" })));
    expect(error.code).toBe("not-configured");
    expect(error.message).toBe(
      "No model server is configured: a base URL and a model name are missing. Set HINTLAB_BASE_URL (e.g. http://localhost:8000/v1 for vLLM) and HINTLAB_MODEL in the hintlab server's environment, or ask an admin to add a model connection (Settings → Model connections) and choose it in Model settings.",
    );
    expect(catchModelError(() => resolveModelConfig({ baseUrl: "http://x:1/v1" }, env({}))).message).toContain("a model name is missing");
  });

  it("runs the local model when no model server is configured", () => {
    const dir = mkdtempSync(join(tmpdir(), "hintlab-models-"));
    const server = env({ HINTLAB_MODELS_DIR: dir });
    expect(server.provider).toBe("local");
    expect(publicConfig(server)).toMatchObject({ configured: true, provider: "local", model: DEFAULT_LOCAL_MODEL, template: "deepseek-r1" });
    const config = resolveModelConfig({}, server);
    expect(config).toMatchObject({ provider: "local", model: DEFAULT_LOCAL_MODEL, template: "deepseek-r1" });
    if (config.provider !== "local") throw new Error("unreachable");
    expect(config.source.path).toBe(join(dir, "bartowski", "DeepSeek-R1-Distill-Qwen-1.5B-GGUF", "DeepSeek-R1-Distill-Qwen-1.5B-Q4_K_M.gguf"));
    // HINTLAB_LOCAL_MODEL: a path, relative to the server's working directory.
    const fromPath = resolveModelConfig({}, env({ HINTLAB_LOCAL_MODEL: "models/mine.gguf" }));
    expect(fromPath.provider === "local" && fromPath.source).toMatchObject({ kind: "file", path: join(process.cwd(), "models/mine.gguf") });
    // A base URL typed in Model settings switches to that server.
    expect(resolveModelConfig({ baseUrl: "http://x:1/v1", model: "m" }, server).provider).toBe("openai-completions");
  });

  it("lets the browser choose only cached files and hf: URIs as local models", () => {
    const dir = mkdtempSync(join(tmpdir(), "hintlab-models-"));
    mkdirSync(join(dir, "me"));
    writeFileSync(join(dir, "me", "a.gguf"), "GGUF");
    const server = env({ HINTLAB_MODELS_DIR: dir });
    const cached = resolveModelConfig({ provider: "local", model: "me/a.gguf" }, server);
    expect(cached.provider === "local" && cached.source.path).toBe(join(dir, "me", "a.gguf"));
    const hf = resolveModelConfig({ provider: "local", model: "hf:Qwen/Qwen3-0.6B-GGUF/Qwen3-0.6B-Q8_0.gguf" }, server);
    expect(hf.provider === "local" && hf.source).toMatchObject({ kind: "hf", url: "https://huggingface.co/Qwen/Qwen3-0.6B-GGUF/resolve/main/Qwen3-0.6B-Q8_0.gguf" });
    for (const bad of ["/etc/passwd", "../secret.gguf", "me/../../x.gguf", "missing.gguf"]) {
      const error = catchModelError(() => resolveModelConfig({ provider: "local", model: bad }, server));
      expect(error.code).toBe("bad-request");
      expect(error.message).toContain("is not a local model");
    }
  });

  it("reports unusable HINTLAB_LOCAL_* values", () => {
    const server = env({ HINTLAB_LOCAL_MAX_CONTEXTS: "0", HINTLAB_LOCAL_GPU: "yes", HINTLAB_LOCAL_THREADS: "two" });
    expect(server.issues.join(" ")).toMatch(/HINTLAB_LOCAL_MAX_CONTEXTS="0".*HINTLAB_LOCAL_GPU="yes"|HINTLAB_LOCAL_GPU="yes".*HINTLAB_LOCAL_MAX_CONTEXTS="0"/);
    expect(server.issues.join(" ")).toContain('HINTLAB_LOCAL_THREADS="two"');
    expect(env({ HINTLAB_LOCAL_MAX_CONTEXTS: "2", HINTLAB_LOCAL_IDLE_MS: "5000" }).local.runtime).toMatchObject({ maxContexts: 2, idleMs: 5000, gpu: false });
  });

  it("lets Model settings override the connection", () => {
    const config = resolveModelConfig({ model: "qwq-awq", template: "qwen3", provider: "openai-chat" }, env(VLLM));
    expect(config).toEqual({
      provider: "openai-chat",
      baseUrl: "http://gpu-box:8000/v1",
      model: "qwq-awq",
      apiKey: "sk-secret-123",
      template: "qwen3",
      timeoutMs: 300_000,
    });
    const fromBrowser = resolveModelConfig({ baseUrl: "http://localhost:8001/v1", model: "scripted-r1" }, env({}));
    expect(fromBrowser).toMatchObject({ baseUrl: "http://localhost:8001/v1", model: "scripted-r1", provider: "openai-completions" });
  });

  it("sends the server's key only to the origin of HINTLAB_BASE_URL", () => {
    const remote = (config: ModelConfig) => (config.provider === "local" ? expect.unreachable("a local config") : config);
    const sameOrigin = remote(resolveModelConfig({ baseUrl: "http://gpu-box:8000/v1" }, env(VLLM)));
    expect(sameOrigin.apiKey).toBe("sk-secret-123");
    const elsewhere = remote(resolveModelConfig({ baseUrl: "http://attacker.example/v1" }, env(VLLM)));
    expect(elsewhere.apiKey).toBeUndefined();
    expect(elsewhere.apiKeyWithheld).toBe(true);
    const noServerBase = remote(resolveModelConfig({ baseUrl: "http://anything:8000/v1", model: "m" }, env({ HINTLAB_API_KEY: "k" })));
    expect(noServerBase.apiKey).toBeUndefined();
  });

  it("rejects an unusable base URL from Model settings and the test-only scripted provider", () => {
    expect(catchModelError(() => resolveModelConfig({ baseUrl: "ftp://x/v1" }, env(VLLM))).code).toBe("bad-request");
    const scripted = catchModelError(() => resolveModelConfig({ provider: "scripted" }, env(VLLM)));
    expect(scripted.code).toBe("bad-request");
    expect(scripted.message).toContain("openai-completions");
  });
});

describe("connections chosen by id (the browser never sends a URL)", () => {
  const stored = { id: "c1", name: "vllm-b", provider: "openai-chat" as const, baseUrl: "http://gpu-b:8000/v1", model: "Qwen/QwQ-32B", template: "qwen3" as const, apiKey: "sk-b" };
  const lookup = (id: string) => (id === "c1" ? stored : undefined);

  it("an admin's connection brings its URL, model, template and its own key; settings override model and API style", () => {
    expect(resolveModelConfig({ connection: "c1" }, env(VLLM), lookup)).toEqual({
      provider: "openai-chat",
      baseUrl: "http://gpu-b:8000/v1",
      model: "Qwen/QwQ-32B",
      apiKey: "sk-b",
      template: "qwen3",
      timeoutMs: 300_000,
    });
    expect(resolveModelConfig({ connection: "c1", model: "other", provider: "openai-completions" }, env(VLLM), lookup)).toMatchObject({ model: "other", provider: "openai-completions", apiKey: "sk-b" });
  });

  it('"server" is HINTLAB_BASE_URL with the environment key; "local" is the local model', () => {
    expect(resolveModelConfig({ connection: "server" }, env(VLLM), lookup)).toMatchObject({ baseUrl: "http://gpu-box:8000/v1", apiKey: "sk-secret-123" });
    expect(resolveModelConfig({ connection: "local" }, env(VLLM), lookup).provider).toBe("local");
  });

  it("an unknown connection is a bad request that names it", () => {
    const error = catchModelError(() => resolveModelConfig({ connection: "gone" }, env(VLLM), lookup));
    expect(error.code).toBe("bad-request");
    expect(error.message).toContain('"gone"');
  });
});

describe("Ollama and LM Studio", () => {
  it("HINTLAB_PROVIDER=ollama or lmstudio alone points at the server's default local address", () => {
    expect(env({ HINTLAB_PROVIDER: "ollama", HINTLAB_MODEL: "qwq:32b" })).toMatchObject({ provider: "ollama", baseUrl: "http://localhost:11434", template: "qwq", issues: [] });
    expect(env({ HINTLAB_PROVIDER: "lmstudio", HINTLAB_MODEL: "qwq-32b" })).toMatchObject({ provider: "lmstudio", baseUrl: "http://localhost:1234/v1", issues: [] });
    expect(env({ HINTLAB_PROVIDER: "ollama", HINTLAB_BASE_URL: "http://gpu-box:11434/" }).baseUrl).toBe("http://gpu-box:11434");
    expect(resolveModelConfig({}, env({ HINTLAB_PROVIDER: "ollama", HINTLAB_MODEL: "qwq:32b" }))).toEqual({
      provider: "ollama",
      baseUrl: "http://localhost:11434",
      model: "qwq:32b",
      template: "qwq",
      timeoutMs: 300_000,
    });
    expect(publicConfig(env({ HINTLAB_PROVIDER: "lmstudio", HINTLAB_MODEL: "qwq-32b" }))).toMatchObject({ configured: true, provider: "lmstudio", baseUrl: "http://localhost:1234/v1" });
    expect(env({ HINTLAB_PROVIDER: "olama" }).issues[0]).toBe('HINTLAB_PROVIDER="olama" is not a provider; use one of openai-completions, openai-chat, ollama, lmstudio, local.');
  });

  const ollama = { id: "o1", name: "ollama-box", provider: "ollama" as const, baseUrl: "http://box:11434", model: "deepseek-r1:8b" };
  const lmstudio = { id: "l1", name: "lms", provider: "lmstudio" as const, baseUrl: "http://localhost:1234/v1", model: "qwq-32b" };
  const lookup = (id: string) => [ollama, lmstudio].find((c) => c.id === id);

  it("a connection's kind is its API: chat cannot be asked of Ollama's native API or of LM Studio", () => {
    expect(resolveModelConfig({ connection: "o1" }, env(VLLM), lookup)).toMatchObject({ provider: "ollama", baseUrl: "http://box:11434", model: "deepseek-r1:8b" });
    expect(resolveModelConfig({ connection: "o1", provider: "ollama" }, env(VLLM), lookup).provider).toBe("ollama");
    const chat = catchModelError(() => resolveModelConfig({ connection: "o1", provider: "openai-chat" }, env(VLLM), lookup));
    expect(chat.code).toBe("bad-request");
    expect(chat.message).toBe(
      'The connection "ollama-box" is Ollama (native /api/generate, raw); it cannot be called as chat (assistant prefill). Choose Ollama (native /api/generate, raw) as API in Model settings, or another connection.',
    );
    expect(catchModelError(() => resolveModelConfig({ connection: "l1", provider: "openai-chat" }, env(VLLM), lookup)).code).toBe("bad-request");
    // …nor Ollama's protocol of a vLLM server.
    expect(catchModelError(() => resolveModelConfig({ provider: "ollama" }, env(VLLM))).message).toContain("The server's connection (HINTLAB_BASE_URL) is completions (raw prompt)");
    expect(catchModelError(() => resolveModelConfig({ provider: "openai-chat" }, env({ HINTLAB_PROVIDER: "ollama", HINTLAB_MODEL: "m" }))).code).toBe("bad-request");
  });

  it("a base URL of the CLI's own comes with the API the CLI chose", () => {
    expect(resolveModelConfig({ baseUrl: "http://box:11434", model: "qwq:32b", provider: "ollama" }, env({}))).toMatchObject({ provider: "ollama", baseUrl: "http://box:11434" });
    expect(resolveModelConfig({ baseUrl: "http://localhost:1234/v1", model: "m", provider: "lmstudio" }, env(VLLM)).provider).toBe("lmstudio");
  });

  it("admins can add Ollama and LM Studio connections", () => {
    expect(ConnectionBodySchema.parse({ name: "o", provider: "ollama", baseUrl: "http://localhost:11434" }).provider).toBe("ollama");
    expect(ConnectionBodySchema.parse({ name: "l", provider: "lmstudio", baseUrl: "http://localhost:1234/v1" }).provider).toBe("lmstudio");
    expect(ConnectionBodySchema.safeParse({ name: "x", provider: "local", baseUrl: "http://localhost:1" }).success).toBe(false);
  });
});

describe("publicConfig", () => {
  it("tells the browser what is configured, never the key", () => {
    const config = publicConfig(env(VLLM));
    expect(PublicModelConfigSchema.parse(config)).toEqual({
      configured: true,
      connection: "server",
      provider: "openai-completions",
      baseUrl: "http://gpu-box:8000/v1",
      model: "Qwen/QwQ-32B",
      template: "qwq",
      hasApiKey: true,
    });
    expect(JSON.stringify(config)).not.toContain("sk-secret");
  });

  it("says what to set when nothing is configured", () => {
    const config = publicConfig(env({ HINTLAB_PROVIDER: "openai-chat" }));
    expect(config.configured).toBe(false);
    expect(config.hasApiKey).toBe(false);
    expect(config.message).toContain("Set HINTLAB_BASE_URL");
  });
});
