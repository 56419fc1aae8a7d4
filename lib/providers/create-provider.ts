import "server-only";
import type { ModelConfig } from "./config";
import { createLocalProvider } from "./local/local-provider";
import { sharedRuntime } from "./local/shared";
import { createOpenAIChatProvider } from "./openai-chat";
import { createOpenAICompletionsProvider } from "./openai-completions";
import type { Provider } from "./types";

/** The provider for a resolved connection (see resolveModelConfig). */
export function createProvider(config: ModelConfig): Provider {
  switch (config.provider) {
    case "openai-completions":
      return createOpenAICompletionsProvider(config);
    case "openai-chat":
      return createOpenAIChatProvider(config);
    case "local":
      return createLocalProvider({
        runtime: sharedRuntime(config.local.runtime),
        modelPath: config.source.path,
        modelName: config.source.kind === "file" ? undefined : config.source.name,
        template: config.template,
      });
  }
}
