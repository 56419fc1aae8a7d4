import { describe, expect, it } from "vitest";
import { modelFlags, providerFlag, UsageError } from "./flags";

describe("--provider", () => {
  it("takes the model servers hintlab speaks; --chat is openai-chat", () => {
    expect(providerFlag("ollama", undefined)).toBe("ollama");
    expect(providerFlag("lmstudio", undefined)).toBe("lmstudio");
    expect(providerFlag(undefined, true)).toBe("openai-chat");
    expect(providerFlag(undefined, undefined)).toBeUndefined();
    expect(() => providerFlag("local", undefined)).toThrow(new UsageError('--provider must be one of openai-completions, openai-chat, ollama, lmstudio (got "local")'));
    expect(() => providerFlag("ollama", true)).toThrow(/--chat means --provider openai-chat/);
  });

  it("ollama or lmstudio alone means that server on this machine, unless the environment configures one", () => {
    expect(modelFlags({ provider: "ollama", model: "qwq:32b" }, undefined, {})).toEqual({ provider: "ollama", model: "qwq:32b", baseUrl: "http://localhost:11434" });
    expect(modelFlags({ provider: "lmstudio" }, undefined, {})).toEqual({ provider: "lmstudio", baseUrl: "http://localhost:1234/v1" });
    expect(modelFlags({ provider: "ollama" }, undefined, { HINTLAB_PROVIDER: "ollama", HINTLAB_BASE_URL: "http://gpu:11434" })).toEqual({ provider: "ollama" });
    expect(modelFlags({ provider: "ollama", "base-url": "http://gpu:11434" }, "qwen3", {})).toEqual({ provider: "ollama", baseUrl: "http://gpu:11434", template: "qwen3" });
    expect(modelFlags({ chat: true }, undefined, {})).toEqual({ provider: "openai-chat" });
  });
});
