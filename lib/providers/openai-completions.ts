import "server-only";
import type { GenerateRequest } from "@/lib/protocol";
import type { RemoteModelConfig as ModelConfig } from "./config";
import { readStopReason, streamOpenAI, type ChunkView, type RawUsage, streamingParams } from "./openai-stream";
import type { LogprobSink, Provider } from "./types";

/**
 * Raw completions (`POST {baseUrl}/completions`), the main path: the engine sends the fully
 * rendered prompt (template + every segment so far), so an injected hint is just a longer prompt
 * that prefix-caching servers (vLLM, SGLang, llama.cpp) mostly do not recompute.
 */
export function createOpenAICompletionsProvider(config: ModelConfig, options: { findStops?: boolean } = {}): Provider {
  return {
    generate: (request: GenerateRequest, signal: AbortSignal, onLogprobs?: LogprobSink) =>
      streamOpenAI(
        {
          config,
          endpoint: "/completions",
          stop: request.stop,
          findStops: options.findStops,
          start: (client, upstreamSignal) =>
            client.completions.create(
              {
                model: config.model,
                prompt: request.prompt,
                ...streamingParams(request, { sendStops: !options.findStops }),
                ...(request.logprobs !== undefined ? { logprobs: request.logprobs } : {}),
              },
              { signal: upstreamSignal },
            ),
          logprobs: request.logprobs,
          view: viewCompletionChunk,
        },
        signal,
        onLogprobs,
      ),
  };
}

function viewCompletionChunk(chunk: unknown): ChunkView {
  const { choices, usage } = (chunk ?? {}) as { choices?: Record<string, unknown>[]; usage?: RawUsage | null };
  const choice = choices?.[0];
  if (!choice) return { text: "", reportsStopReason: false, usage };
  return {
    text: typeof choice.text === "string" ? choice.text : "",
    finishReason: typeof choice.finish_reason === "string" ? choice.finish_reason : null,
    ...readStopReason(choice),
    usage,
    logprobs: choice.logprobs,
  };
}
