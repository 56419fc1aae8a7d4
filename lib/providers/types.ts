import "server-only";
import type { GenerateRequest, GenerateResult, ModelErrorCode, TokenLogprob } from "@/lib/protocol";

/**
 * Receives token probabilities when `request.logprobs` asks for them. `start` is the char offset
 * within this generation's yielded text (all chunks joined). A token is reported once all of its
 * text is in chunks already yielded or in the chunk about to be yielded (the sink is called just
 * before that yield), never for text the provider cut (stop strings) or did not yield.
 */
export type LogprobSink = (tokens: TokenLogprob[]) => void;

/**
 * A model back-end. `generate` yields the model's text chunk by chunk and returns how the
 * stream ended. Aborting `signal` is not an error: the generator returns `{ finishReason:
 * "abort" }` with the text already yielded kept. Failures are thrown as {@link ModelError}.
 *
 * `finishReason` is "stop" with `matchedStop` when the server stopped at one of `request.stop`
 * (the stop string itself is never yielded), "eos" when the model ended by itself, "length" at
 * `maxTokens`.
 */
export interface Provider {
  generate(request: GenerateRequest, signal: AbortSignal, onLogprobs?: LogprobSink): AsyncGenerator<string, GenerateResult>;
}

/**
 * A model connection failure whose message tells the user what to fix (which setting, which
 * environment variable). Messages are safe to show: they never contain keys or stack traces.
 */
export class ModelError extends Error {
  override readonly name = "ModelError";

  constructor(
    readonly code: ModelErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isModelError(error: unknown): error is ModelError {
  return error instanceof ModelError;
}
