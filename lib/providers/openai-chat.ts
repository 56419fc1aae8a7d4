import "server-only";
import type { GenerateRequest } from "@/lib/protocol";
import type { RemoteModelConfig as ModelConfig } from "./config";
import { readStopReason, streamOpenAI, type ChunkView, type RawUsage, streamingParams } from "./openai-stream";
import { ModelError, type LogprobSink, type Provider } from "./types";

/**
 * Chat with assistant prefill, for endpoints that only offer chat: the user turn plus an open
 * assistant turn holding everything so far, continued in place (vLLM `continue_final_message`
 * with `add_generation_prompt: false`; the server's own template renders the same text the
 * completions path sends).
 */
export function createOpenAIChatProvider(config: ModelConfig): Provider {
  return {
    generate: (request: GenerateRequest, signal: AbortSignal, onLogprobs?: LogprobSink) =>
      request.editedPrefix ? refuseEditedPrefix() : streamOpenAI(
        {
          config,
          endpoint: "/chat/completions",
          stop: request.stop,
          start: (client, upstreamSignal) =>
            client.chat.completions.create(
              {
                model: config.model,
                messages: [
                  { role: "user", content: request.userMessage },
                  { role: "assistant", content: request.assistantPrefill },
                ],
                ...streamingParams(request),
                ...(request.logprobs !== undefined ? { logprobs: true, top_logprobs: request.logprobs } : {}),
                // vLLM extensions, not in the OpenAI types; the package sends extra keys as they are.
                ...({ continue_final_message: true, add_generation_prompt: false } as object),
              },
              { signal: upstreamSignal },
            ),
          logprobs: request.logprobs,
          view: viewChatChunk,
        },
        signal,
        onLogprobs,
      ),
  };
}

/**
 * A corrected prefix (a fork continued from an edit) must reach the model exactly as it stands,
 * inside the thinking. The chat path hands it to the server's chat template as an assistant
 * message, and templates rewrite those (QwQ's drops everything up to a `</think>`, Qwen3's puts
 * an empty think block of its own before it; a reasoning parser strips the tags): the model would
 * no longer be continuing its thinking from the corrected text. Forks from an edit of a trace that
 * ran on chat are refused when they are made (lib/db/fork.ts); this is the guarantee underneath.
 */
async function* refuseEditedPrefix(): AsyncGenerator<string, never> {
  throw new ModelError(
    "bad-request",
    "This trace continues from an edit, which only a raw completions endpoint continues exactly (a chat endpoint's template would move or drop the <think> tags around the corrected text). Continue it on a completions connection (API: completions (raw prompt)).",
  );
}

function viewChatChunk(chunk: unknown): ChunkView {
  const { choices, usage } = (chunk ?? {}) as { choices?: Record<string, unknown>[]; usage?: RawUsage | null };
  const choice = choices?.[0];
  if (!choice) return { text: "", reportsStopReason: false, usage };
  const delta = (choice.delta ?? {}) as Record<string, unknown>;
  // Servers started with a reasoning parser move thinking text to reasoning_content/reasoning;
  // it is still the model's text, so it is kept (the parser has already removed </think>).
  const reasoning = typeof delta.reasoning_content === "string" ? delta.reasoning_content : typeof delta.reasoning === "string" ? delta.reasoning : "";
  const content = typeof delta.content === "string" ? delta.content : "";
  return {
    text: reasoning + content,
    finishReason: typeof choice.finish_reason === "string" ? choice.finish_reason : null,
    ...readStopReason(choice),
    usage,
    logprobs: choice.logprobs,
  };
}
