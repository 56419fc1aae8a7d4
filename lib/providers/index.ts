/**
 * Model back-ends, server side only. `createProvider(resolveModelConfig(settings))` gives a
 * Provider whose `generate(request, signal)` yields text chunks and returns how the stream ended;
 * failures are ModelErrors whose messages say what to fix. Base URLs and API keys come from the
 * server only (its environment, or connections an admin added: ConnectionStore); a browser names a
 * connection by id. `generateStream` turns one generation into the NDJSON frames of POST /api/generate.
 * Without a base URL the provider is `local` (lib/providers/local): a GGUF model in this process,
 * one context sequence per `request.session`, downloaded on first use (listModels,
 * localModelStatus, downloadResponse back /api/models and /api/local-model). Several servers of
 * one model (`endpoints`) are one EndpointPool: least outstanding, caps, health-checked failover.
 */
import "server-only";

export { ModelError, isModelError, type Provider } from "./types";
export {
  publicConfig,
  readServerConfig,
  resolveModelConfig,
  SERVER_PROVIDER_KINDS,
  type ModelChoice,
  type LocalModelConfig,
  type ModelConfig,
  type RemoteEndpoint,
  type RemoteModelConfig,
  type ServerModelConfig,
  type ServerProviderKind,
} from "./config";
export { ConnectionStore, listPublicConnections, toPublicConnection, type StoredConnection } from "./connections";
export { createOpenAIChatProvider } from "./openai-chat";
export { createOpenAICompletionsProvider } from "./openai-completions";
export { createProvider } from "./create-provider";
export { EndpointPool, endpointLabel, isEndpointPool, modelsProbe, type EndpointStats, type PoolEndpoint, type TraceBinding } from "./endpoint-pool";
export { generateResponse, generateStream, NDJSON_HEADERS } from "./generate-stream";
export { cancelDownload, downloadResponse, listModels, localModelStatus, sourceFor } from "./local/api";
export { DEFAULT_LOCAL_MODEL } from "./local/source";
