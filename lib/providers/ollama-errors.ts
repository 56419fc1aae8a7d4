import "server-only";
import type { RemoteModelConfig as ModelConfig } from "./config";
import { extractServerMessage } from "./errors";
import { ModelError } from "./types";

/**
 * Ollama's failures, as ModelErrors that say what to fix. Ollama answers every error as
 * `{"error": "…"}`: 404 `model "NAME" not found, try pulling it first` for a model it does not
 * have, 400 for a request it refuses (an embedding model asked to generate), 500 when a model
 * cannot load (not enough memory), 503 when its queue is full (OLLAMA_MAX_QUEUE). A path it does
 * not serve gets Go's plain-text `404 page not found`, which is how a wrong base URL shows.
 */

const SETTINGS_HINT = "Check HINTLAB_BASE_URL or the connection's base URL (Settings → Model connections).";

/** Model names from `GET {baseUrl}/api/tags`, or null when that fails (not an Ollama server, or unreachable). */
export async function listOllamaModels(baseUrl: string, apiKey?: string, timeoutMs = 3_000): Promise<string[] | null> {
  try {
    const response = await fetch(`${baseUrl}/api/tags`, {
      headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
      redirect: "error",
    });
    if (!response.ok) return null;
    const body = (await response.json()) as { models?: { name?: unknown; model?: unknown }[] };
    if (!Array.isArray(body.models)) return null;
    return body.models.map((m) => m.name ?? m.model).filter((name): name is string => typeof name === "string");
  } catch {
    return null;
  }
}

/** An HTTP error answer to POST /api/generate (before any text). */
export async function ollamaHttpError(
  status: number,
  body: string,
  config: ModelConfig,
  listModels: () => Promise<string[] | null> = () => listOllamaModels(config.baseUrl, config.apiKey),
): Promise<ModelError> {
  const message = ollamaMessage(body);
  const detail = message ? `: ${message}` : "";
  if (status === 404) {
    if (message && /not found/i.test(message) && /model/i.test(message)) {
      const models = await listModels().catch(() => null);
      const available = models === null ? "" : ` It has: ${models.length ? models.slice(0, 12).join(", ") + (models.length > 12 ? ", …" : "") : "no models yet"}.`;
      return new ModelError(
        "model-not-found",
        `Ollama at ${config.baseUrl} has no model "${config.model}" (404${detail}). Pull it on that machine with \`ollama pull ${config.model}\`, ` +
          `or set the model (Model settings, HINTLAB_MODEL) to one it has.${available}`,
      );
    }
    const v1 = /\/v1$/.test(config.baseUrl)
      ? ` Drop the /v1: that is Ollama's OpenAI-compatible API, which applies the chat template and cannot continue a raw prompt; use ${config.baseUrl.replace(/\/v1$/, "")}.`
      : "";
    return new ModelError(
      "endpoint-not-found",
      `Nothing answers at ${config.baseUrl}/api/generate (404): is this an Ollama server? Its native API is at the server's root, e.g. http://localhost:11434.${v1} ` +
        `For LM Studio, vLLM or llama.cpp choose their provider instead. ${SETTINGS_HINT}`,
    );
  }
  if (status === 401 || status === 403) {
    return new ModelError(
      "unauthorized",
      `The Ollama server refused the request (${status}${detail}). A local Ollama takes no key; a proxy in front of it (or ollama.com) wants one: ` +
        (config.apiKey ? "the key sent was not accepted; " : "none was sent; ") +
        "set HINTLAB_API_KEY or the connection's API key to the key it expects.",
    );
  }
  if (status === 400) {
    return new ModelError(
      "bad-request",
      `Ollama refused the request (400${detail}). If the model is an embedding model, choose a generative one; if the prompt is too long, raise the model's context (OLLAMA_CONTEXT_LENGTH) or start from a shorter trace.`,
    );
  }
  if (status === 503) {
    return new ModelError("server-error", `Ollama is busy (503${detail}): its request queue is full. Wait a moment and retry, or raise OLLAMA_MAX_QUEUE / OLLAMA_NUM_PARALLEL.`);
  }
  if (status >= 500) {
    return new ModelError("server-error", `Ollama failed with ${status}${detail}. A model that cannot load (memory) fails this way; check Ollama's log (\`ollama serve\` output).`);
  }
  return new ModelError("server-error", `Ollama answered ${status}${detail}.`);
}

/** An `{"error": …}` line in the middle of the stream (a runner that crashed while generating). */
export function ollamaStreamError(message: string, received: number): ModelError {
  return new ModelError(
    "server-error",
    `Ollama reported an error mid-stream after ${received} characters: ${ollamaMessage(JSON.stringify({ error: message })) ?? "no message"}. ` +
      "The text so far is kept; continue to retry from there, and check Ollama's log if it happens again.",
  );
}

/** Ollama's `{"error": "…"}` message, cut to one line; a non-JSON body is summarised, never forwarded. */
function ollamaMessage(body: string): string | undefined {
  // Go's router answers unknown paths with plain "404 page not found": not the server's words about the request.
  if (/^\s*404 page not found\s*$/i.test(body)) return undefined;
  return extractServerMessage(body);
}
