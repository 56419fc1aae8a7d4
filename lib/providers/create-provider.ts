import "server-only";
import type { ModelConfig, RemoteModelConfig } from "./config";
import { EndpointPool, modelsProbe } from "./endpoint-pool";
import { createLocalProvider } from "./local/local-provider";
import { sharedRuntime } from "./local/shared";
import { createOpenAIChatProvider } from "./openai-chat";
import { createOllamaProvider } from "./ollama";
import { createOpenAICompletionsProvider } from "./openai-completions";
import type { Provider } from "./types";

/**
 * The provider for a resolved connection (see resolveModelConfig). Several endpoints (or one
 * with a cap) give the process-wide EndpointPool of that configuration: experiments, sweeps and
 * the playground running at once share its outstanding counts, caps and health state.
 */
export function createProvider(config: ModelConfig): Provider {
  switch (config.provider) {
    case "openai-completions":
    case "openai-chat":
    case "ollama":
    case "lmstudio":
      return config.endpoints ? sharedPool(config) : createRemote(config);
    case "local":
      return createLocalProvider({
        runtime: sharedRuntime(config.local.runtime),
        modelPath: config.source.path,
        modelName: config.source.kind === "file" ? undefined : config.source.name,
        template: config.template,
      });
  }
}

function createRemote(config: RemoteModelConfig): Provider {
  switch (config.provider) {
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
    default:
      return createOpenAICompletionsProvider(config);
  }
}

// Keyed by everything the endpoints' providers depend on (keys included: they never leave the map).
const pools = new Map<string, EndpointPool>();

function sharedPool(config: RemoteModelConfig): EndpointPool {
  const key = JSON.stringify([config.provider, config.model, config.template, config.timeoutMs, config.apiKeyWithheld ?? false, config.endpoints]);
  let pool = pools.get(key);
  if (!pool) {
    pool = new EndpointPool(
      config.endpoints!.map((e) => {
        const { endpoints: _, ...single } = config;
        const one: RemoteModelConfig = { ...single, baseUrl: e.baseUrl };
        if (e.apiKey !== undefined) one.apiKey = e.apiKey;
        else delete one.apiKey;
        return { url: e.baseUrl, provider: createRemote(one), ...(e.maxConcurrent !== undefined ? { maxConcurrent: e.maxConcurrent } : {}), probe: config.provider === "ollama" ? modelsProbe(`${e.baseUrl}/api`, e.apiKey, "tags") : modelsProbe(e.baseUrl, e.apiKey) };
      }),
    );
    pools.set(key, pool);
  }
  return pool;
}
