import "server-only";
import { APIConnectionError, APIConnectionTimeoutError, APIError } from "openai";
import type { RemoteModelConfig as ModelConfig } from "./config";
import { ModelError } from "./types";

/** What an error message needs to know about the failed request. */
export interface ErrorContext {
  config: ModelConfig;
  /** The endpoint that failed, relative to the base URL. */
  endpoint: "/completions" | "/chat/completions";
  /** Body of the failed HTTP response, when there was one (the openai client drops vLLM's). */
  responseBody?: string;
  /** Names from GET {baseUrl}/models, or null when that endpoint is missing too. */
  listModels: () => Promise<string[] | null>;
}

const SETTINGS_HINT = "Check HINTLAB_BASE_URL or the base URL in Model settings.";
/** The model server's own message (vLLM's "maximum context length…") is kept, cut to one short line. */
const MAX_SERVER_MESSAGE = 300;
/** Socket failures after the connection was made (undici's "other side closed", RST, broken pipe). */
const CLOSED_BEFORE_RESPONSE: ReadonlySet<string> = new Set(["UND_ERR_SOCKET", "ECONNRESET", "EPIPE", "ECONNABORTED"]);
/** Servers that users start themselves, and how. */
const IS_IT_RUNNING: Partial<Record<ModelConfig["provider"], string>> = {
  ollama: "Is Ollama running (`ollama serve`, or the Ollama app)?",
  lmstudio: "Is LM Studio's server on (Developer tab → Start server, or `lms server start`)?",
};

/** The server sent nothing (no headers, or no chunk) for `config.timeoutMs`. */
export function timeoutError(config: ModelConfig): ModelError {
  return new ModelError(
    "timeout",
    `The model server at ${config.baseUrl} sent nothing for ${Math.round(config.timeoutMs / 1000)} s. ` +
      "It may be overloaded, still loading the model, or stuck; check its log, or raise HINTLAB_TIMEOUT_MS.",
  );
}

/** Map an error from starting a request (before any text) to a ModelError that says what to fix. */
export async function requestError(error: unknown, context: ErrorContext): Promise<ModelError> {
  const { config } = context;
  if (error instanceof ModelError) return error;
  if (error instanceof APIConnectionTimeoutError) return timeoutError(config);
  if (error instanceof APIConnectionError) return connectionError(error, config);
  if (!(error instanceof APIError) || error.status === undefined) {
    return new ModelError("internal", `Unexpected failure calling the model server at ${config.baseUrl}: ${describe(error)}`, { cause: error });
  }

  const status = error.status;
  const serverMessage = extractServerMessage(context.responseBody) ?? extractServerMessage(JSON.stringify(error.error ?? null));
  const detail = serverMessage ? `: ${serverMessage}` : "";
  if (status === 401 || status === 403) return unauthorized(status, config, error);
  if (status === 404) return notFound(context, error);
  if (status === 400 || status === 413 || status === 422) {
    return new ModelError(
      "bad-request",
      `The model server refused the request (${status})${detail}. ` +
        "If the prompt is too long for the model's context, lower Max tokens or start from a shorter trace.",
      { cause: error },
    );
  }
  if (status === 429) {
    return new ModelError("server-error", `The model server is overloaded (429 Too Many Requests)${detail}. Wait a moment and retry.`, { cause: error });
  }
  if (status >= 500) {
    return new ModelError("server-error", `The model server failed with ${status}${detail}. Check the server's log; retrying may help.`, { cause: error });
  }
  return new ModelError("server-error", `The model server answered ${status}${detail}.`, { cause: error });
}

/** Map an error raised while reading the stream, after `received` characters of text. */
export function streamError(error: unknown, config: ModelConfig, received: number): ModelError {
  if (error instanceof ModelError) return error;
  if (error instanceof SyntaxError) {
    return new ModelError(
      "malformed-stream",
      `The model server sent a stream that is not valid server-sent events JSON (after ${received} characters of text). ` +
        `Is ${config.baseUrl} an OpenAI-compatible endpoint (…/v1 of vLLM, SGLang or llama.cpp)? ${SETTINGS_HINT}`,
      { cause: error },
    );
  }
  if (error instanceof APIError && error.status === undefined && !(error instanceof APIConnectionError)) {
    // An `{"error": …}` event inside the stream (vLLM reports engine failures this way).
    const message = extractServerMessage(JSON.stringify(error.error ?? null)) ?? error.message;
    return new ModelError(
      "server-error",
      `The model server reported an error mid-stream after ${received} characters: ${message}. The text so far is kept; check the server's log.`,
      { cause: error },
    );
  }
  return brokenStream(config, received, describe(error), error);
}

/** The stream stopped before a finish reason; the text already yielded stays with the caller. */
export function brokenStream(config: ModelConfig, received: number, reason: string, cause?: unknown): ModelError {
  return new ModelError(
    "stream-broken",
    `The connection to the model server at ${config.baseUrl} broke mid-stream after ${received} characters (${reason}). ` +
      "The text received so far is kept; continue to retry from there. If it keeps happening, check the server's log.",
    { cause },
  );
}

/** A request that got no response (refused, unknown host, closed before headers), as a ModelError that says what to fix. */
export function connectionError(error: unknown, config: ModelConfig): ModelError {
  const code = findErrorCode(error);
  const where = `the model server at ${config.baseUrl}`;
  if (code === "ECONNREFUSED") {
    return new ModelError(
      "connection-refused",
      `Could not connect to ${where}: connection refused. ${IS_IT_RUNNING[config.provider] ?? "Is the server running?"} ${SETTINGS_HINT}`,
      { cause: error },
    );
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return new ModelError(
      "connection-refused",
      `Could not connect to ${where}: the host "${new URL(config.baseUrl).hostname}" was not found. ${SETTINGS_HINT}`,
      { cause: error },
    );
  }
  if (code === "ETIMEDOUT" || code === "UND_ERR_CONNECT_TIMEOUT") return timeoutError(config);
  if (code && CLOSED_BEFORE_RESPONSE.has(code)) {
    // The connection was made, so "could not connect" would send the user to the wrong setting.
    // Only reachable before the response headers: a cut after them is stream-broken (streamError).
    return new ModelError(
      "connection-refused",
      `The model server at ${config.baseUrl} closed the connection before sending a response (${code}). ` +
        "Nothing was received: retry. If it keeps happening, check the server's log (a crash or restart on this request?) " +
        `and that the base URL points at the model server itself. ${SETTINGS_HINT}`,
      { cause: error },
    );
  }
  if (causeMessages(error).includes("bad port")) {
    // fetch refuses the "unsafe" ports of the Fetch standard (1, 9, 25, 6000, …) without connecting.
    return new ModelError(
      "connection-refused",
      `Could not connect to ${where}: fetch refuses port ${new URL(config.baseUrl).port} as unsafe. Run the model server on another port (e.g. 8000). ${SETTINGS_HINT}`,
      { cause: error },
    );
  }
  return new ModelError(
    "connection-refused",
    `Could not connect to ${where} (${code ?? describe(error)}). Is the server running and reachable from the hintlab server? ${SETTINGS_HINT}`,
    { cause: error },
  );
}

function unauthorized(status: number, config: ModelConfig, cause: unknown): ModelError {
  const fix = config.apiKeyWithheld
    ? "The hintlab server's key is only sent to the origin of HINTLAB_BASE_URL, and the base URL in Model settings points elsewhere: " +
      "set HINTLAB_BASE_URL to this server (and HINTLAB_API_KEY to its key)."
    : config.apiKey
      ? "Set HINTLAB_API_KEY (or OPENAI_API_KEY) in the hintlab server's environment to the key this server expects (vLLM: --api-key)."
      : "No key was sent: set HINTLAB_API_KEY (or OPENAI_API_KEY) in the hintlab server's environment to the key this server expects (vLLM: --api-key).";
  return new ModelError("unauthorized", `The model server rejected the API key (${status}). ${fix}`, { cause });
}

async function notFound(context: ErrorContext, cause: unknown): Promise<ModelError> {
  const { config, endpoint } = context;
  let models: string[] | null = null;
  try {
    models = await context.listModels();
  } catch {
    models = null;
  }
  if (config.provider === "lmstudio") return lmStudioNotFound(context, models, cause);
  if (models === null) {
    return new ModelError(
      "endpoint-not-found",
      `Nothing answers at ${config.baseUrl}${endpoint} or ${config.baseUrl}/models (404): the base URL is probably wrong — ` +
        `OpenAI-compatible servers (vLLM, SGLang, llama.cpp) serve under …/v1. ${SETTINGS_HINT}`,
      { cause },
    );
  }
  if (!models.includes(config.model)) {
    const available = models.length ? models.slice(0, 12).join(", ") + (models.length > 12 ? ", …" : "") : "none";
    return new ModelError(
      "model-not-found",
      `The model server has no model named "${config.model}" (404). Available: ${available} (from /models). ` +
        "Set HINTLAB_MODEL or the model in Model settings to one of them.",
      { cause },
    );
  }
  return new ModelError(
    "endpoint-not-found",
    endpoint === "/completions"
      ? `The model server at ${config.baseUrl} has no /completions endpoint (404); switch Model settings → provider to chat (assistant prefill), or set HINTLAB_PROVIDER=openai-chat.`
      : `The model server at ${config.baseUrl} has no /chat/completions endpoint (404); switch Model settings → provider to raw completions, or set HINTLAB_PROVIDER=openai-completions.`,
    { cause },
  );
}

/**
 * LM Studio answers 404 both for a model it does not have and for one it has not loaded ("No
 * models loaded. Please load a model in the developer page or use the `lms load` command."),
 * which happens when Just-in-Time loading is off; /v1/models lists the downloaded ones then.
 */
function lmStudioNotFound(context: ErrorContext, models: string[] | null, cause: unknown): ModelError {
  const { config } = context;
  const said = extractServerMessage(context.responseBody);
  const detail = said ? `: ${said}` : "";
  if (models === null) {
    return new ModelError(
      "endpoint-not-found",
      `Nothing answers at ${config.baseUrl}/completions or ${config.baseUrl}/models (404${detail}): LM Studio serves its API under …/v1, e.g. http://localhost:1234/v1. ${SETTINGS_HINT}`,
      { cause },
    );
  }
  if (!models.includes(config.model)) {
    const available = models.length ? models.slice(0, 12).join(", ") + (models.length > 12 ? ", …" : "") : "none";
    return new ModelError(
      "model-not-found",
      `LM Studio has no model "${config.model}" (404${detail}). It has: ${available} (from /models). ` +
        `Set the model (Model settings, HINTLAB_MODEL) to one of them, or download it in LM Studio (\`lms get ${config.model}\`).`,
      { cause },
    );
  }
  return new ModelError(
    "model-not-found",
    `LM Studio has "${config.model}" but did not load it (404${detail}). Load it with \`lms load ${config.model}\` or in LM Studio's Developer tab, ` +
      "or turn on Just-in-Time model loading in its server settings.",
    { cause },
  );
}

/** The human-readable message in an error body: vLLM `{message}`, OpenAI `{error:{message}}`, FastAPI `{detail}`. */
export function extractServerMessage(body: string | undefined): string | undefined {
  if (!body || body === "null") return undefined;
  let message: unknown = body;
  try {
    const parsed = JSON.parse(body) as Record<string, unknown> | string | null;
    if (typeof parsed === "string") message = parsed;
    else if (parsed && typeof parsed === "object") {
      const nested = parsed.error as Record<string, unknown> | string | undefined;
      message =
        parsed.message ??
        (typeof nested === "object" && nested !== null ? nested.message : nested) ??
        parsed.detail ??
        undefined;
      if (message !== undefined && typeof message !== "string") message = JSON.stringify(message);
    }
  } catch {
    // Not JSON: a plain-text or HTML page (a proxy's, or whatever answers at that URL). Summarised,
    // never forwarded: its content is not ours to show to the browser.
    return `a non-JSON body of ${body.length} characters`;
  }
  if (typeof message !== "string" || !message.trim()) return undefined;
  const flat = message.replace(/\s+/g, " ").trim();
  return flat.length > MAX_SERVER_MESSAGE ? flat.slice(0, MAX_SERVER_MESSAGE) + "…" : flat;
}

/** The first `code` (ECONNREFUSED, …) in an error's cause chain, including AggregateError members. */
function findErrorCode(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== "object" || depth > 6) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && /^[A-Z_]+$/.test(code)) return code;
  for (const inner of (error as { errors?: unknown[] }).errors ?? []) {
    const found = findErrorCode(inner, depth + 1);
    if (found) return found;
  }
  return findErrorCode((error as { cause?: unknown }).cause, depth + 1);
}

function causeMessages(error: unknown): string[] {
  const messages: string[] = [];
  for (let e = error, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth++) messages.push(e.message);
  return messages;
}

export function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return `${error.message}${cause}`;
  }
  return String(error);
}
