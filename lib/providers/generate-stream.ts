import "server-only";
import { encodeNdjson, MAX_TOKEN_CHARS, type GenerateBody, type GenerateFrame, type GenerateRequest, type TokenLogprob } from "@/lib/protocol";
import { readServerConfig, resolveModelConfig, type ModelConfig, type ServerModelConfig } from "./config";
import { createProvider } from "./create-provider";
import { ModelError, type Provider } from "./types";

export const NDJSON_HEADERS = {
  "content-type": "application/x-ndjson; charset=utf-8",
  // no-transform keeps compression middleware from buffering the stream.
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
} as const;

const INTERNAL_MESSAGE = "Internal error in the hintlab server while streaming from the model; see the server log.";

/**
 * One generation as a stream of NDJSON frames: `text` frames as chunks arrive (each followed by a
 * `logprobs` frame for the tokens it completed, when the request asked for them), then `done` with
 * the result, or `error` with a code and a message that says what to fix (text already sent
 * stays sent). Pull-based, so a slow reader slows the upstream read. Aborting `signal` (the HTTP
 * request's) or cancelling the stream (the client went away) aborts the upstream request.
 */
export function generateStream(provider: Provider, request: GenerateRequest, signal: AbortSignal): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const upstream = new AbortController();
  const abortUpstream = () => upstream.abort();
  signal.addEventListener("abort", abortUpstream, { once: true });
  if (signal.aborted) upstream.abort();
  let generation: AsyncGenerator<string, unknown> | undefined;
  // Filled by the provider during next(), sent after the text frame it describes.
  let logprobs: TokenLogprob[] = [];
  // A token longer than the frame schema allows would make the client refuse the whole stream:
  // it is left out (its text still streams).
  const fits = (t: TokenLogprob) => t.text.length <= MAX_TOKEN_CHARS && t.top.every((a) => a.text.length <= MAX_TOKEN_CHARS);
  const onLogprobs = request.logprobs === undefined ? undefined : (tokens: TokenLogprob[]) => void (logprobs = logprobs.concat(tokens.filter(fits)));
  const finish = () => signal.removeEventListener("abort", abortUpstream);

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      // After a cancel the controller refuses frames; nobody is reading them anyway.
      const send = (frame: GenerateFrame) => {
        try {
          controller.enqueue(encoder.encode(encodeNdjson(frame)));
        } catch {
          /* stream already cancelled */
        }
      };
      const close = () => {
        finish();
        try {
          controller.close();
        } catch {
          /* stream already cancelled */
        }
      };
      const sendLogprobs = () => {
        // Frames stay small (the schema bounds a frame to 4096 tokens).
        for (let i = 0; i < logprobs.length; i += 4096) send({ type: "logprobs", tokens: logprobs.slice(i, i + 4096) });
        logprobs = [];
      };
      try {
        generation ??= provider.generate(request, upstream.signal, onLogprobs);
        const next = await generation.next();
        if (!next.done) {
          send({ type: "text", text: next.value });
          return sendLogprobs();
        }
        sendLogprobs();
        send({ type: "done", result: next.value as Extract<GenerateFrame, { type: "done" }>["result"] });
        close();
      } catch (error) {
        send(errorFrame(error));
        close();
      }
    },
    cancel() {
      upstream.abort();
      // A generator suspended at a yield never resumes on its own: return() runs its finally
      // blocks, which release what it holds (a local model's context sequence).
      void generation?.return(undefined).catch(() => undefined);
      finish();
    },
  });
}

/**
 * POST /api/generate after the body is validated: resolve the connection (server environment +
 * the session's Model settings), create the provider, stream frames. A connection that cannot be
 * made (nothing configured, invalid settings) is an `error` frame like any other model error, so
 * the client handles every model failure in one place.
 */
export function generateResponse(
  body: GenerateBody,
  signal: AbortSignal,
  options: { server?: ServerModelConfig; create?: (config: ModelConfig) => Provider } = {},
): Response {
  let provider: Provider;
  try {
    provider = (options.create ?? createProvider)(resolveModelConfig(body.settings, options.server ?? readServerConfig()));
  } catch (error) {
    return new Response(encodeNdjson(errorFrame(error)), { headers: NDJSON_HEADERS });
  }
  return new Response(generateStream(provider, body.request, signal), { headers: NDJSON_HEADERS });
}

function errorFrame(error: unknown): GenerateFrame {
  if (error instanceof ModelError) return { type: "error", code: error.code, message: error.message };
  // The cause may hold internals (paths, stack): log it here, send a safe message.
  console.error("[hintlab] generate failed", error);
  return { type: "error", code: "internal", message: INTERNAL_MESSAGE };
}
