import "server-only";
import type { ModelConfig } from "./config";
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
  }
}
