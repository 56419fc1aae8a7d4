import "server-only";
import type { ModelConfig } from "./config";
import { createLocalProvider } from "./local/local-provider";
import { sharedRuntime } from "./local/shared";
import { createOpenAIChatProvider } from "./openai-chat";
import { createOllamaProvider } from "./ollama";
import { createOpenAICompletionsProvider } from "./openai-completions";
import type { Provider } from "./types";

/** The provider for a resolved connection (see resolveModelConfig). */
export function createProvider(config: ModelConfig): Provider {
  switch (config.provider) {
    case "openai-completions":
      return createOpenAICompletionsProvider(config);
    case "openai-chat":
      return createOpenAIChatProvider(config);
    case "ollama":
      return createOllamaProvider(config);
    case "lmstudio":
      // LM Studio's /v1/completions is a raw completion (no chat template), the same wire protocol
      // as vLLM's, so it is the completions provider with LM Studio's defaults and error hints
      // (errors.ts) — except for stops: LM Studio documents no field naming the stop that matched
      // (vLLM's stop_reason, SGLang's matched_stop), and a bare finish_reason "stop" would make a
      // trigger look like the model's own end, so they are found in the text (openai-stream.ts, findStops).
      return createOpenAICompletionsProvider(config, { findStops: true });
    case "local":
      return createLocalProvider({
        runtime: sharedRuntime(config.local.runtime),
        modelPath: config.source.path,
        modelName: config.source.kind === "file" ? undefined : config.source.name,
        template: config.template,
      });
  }
}
