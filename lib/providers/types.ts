import "server-only";
import type { GenerateRequest, GenerateResult, ModelErrorCode } from "@/lib/protocol";

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
  generate(request: GenerateRequest, signal: AbortSignal): AsyncGenerator<string, GenerateResult>;
  /**
   * Tokens this provider has fed through its model so far (prompt tokens evaluated plus sampled
   * tokens fed back): the local model's meter. Remote servers do not say (undefined).
   */
  tokensEvaluated?(): number;
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
