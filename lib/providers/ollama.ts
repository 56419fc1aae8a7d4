import "server-only";
import type { GenerateRequest, GenerateResult, Usage } from "@/lib/protocol";
import type { RemoteModelConfig as ModelConfig } from "./config";
import { brokenStream, connectionError, describe, timeoutError } from "./errors";
import { idleWatch } from "./idle-watch";
import { StopScanner } from "./local/stop-scanner";
import { ollamaHttpError, ollamaStreamError } from "./ollama-errors";
import { keepReceivedBytes } from "./read-ahead";
import { ModelError, type Provider } from "./types";

/**
 * Ollama's native `POST {baseUrl}/api/generate` with `raw: true`: the rendered prompt goes to the
 * model as it is. Ollama's OpenAI-compatible /v1/completions wraps the prompt in the model's chat
 * template, so a continuation after a hint would start a new assistant turn instead of going on
 * inside the thinking. The stream is NDJSON: `{"response": "…", "done": false}` lines, then one
 * `{"done": true, "done_reason": "stop" | "length", "prompt_eval_count", "eval_count", …}` line.
 *
 * Stop strings are found here, not by Ollama: Ollama honours `options.stop` but answers
 * `done_reason: "stop"` for a stop string and for the model's own end alike, without saying which
 * string matched (ollama/ollama#7257), and the engine must know (a trigger pauses, an EOS ends the
 * trace). So no `stop` is sent; the text is scanned as it arrives (matches split across lines
 * included), cut before the stop string, and the request is closed, which stops Ollama within a
 * token or two.
 *
 * No token probabilities (Ollama's logprobs are recent and not read here) and no cached-token
 * count unless Ollama reports `prompt_eval_cached_count`.
 */
export function createOllamaProvider(config: ModelConfig): Provider {
  return { generate: (request, signal) => streamOllama(config, request, signal) };
}

/** The body of POST /api/generate for `request` (exported for tests). */
export function ollamaRequestBody(config: ModelConfig, request: GenerateRequest) {
  return {
    model: config.model,
    prompt: request.prompt,
    raw: true,
    stream: true,
    options: {
      // Always sent: Ollama's default is unlimited (-1) or the Modelfile's, not the trace's budget.
      num_predict: request.maxTokens,
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.topP !== undefined ? { top_p: request.topP } : {}),
      ...(request.seed !== undefined ? { seed: request.seed } : {}),
    },
  };
}

interface OllamaLine {
  response?: unknown;
  thinking?: unknown;
  done?: unknown;
  done_reason?: unknown;
  error?: unknown;
  prompt_eval_count?: unknown;
  prompt_eval_cached_count?: unknown;
  eval_count?: unknown;
}

async function* streamOllama(config: ModelConfig, request: GenerateRequest, signal: AbortSignal): AsyncGenerator<string, GenerateResult> {
  if (signal.aborted) return { finishReason: "abort" };
  const upstream = new AbortController();
  const onAbort = () => upstream.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  let timedOut = false;
  // Runs while waiting on Ollama (loading a model counts: HINTLAB_TIMEOUT_MS covers it), held while the consumer has a chunk.
  const idle = idleWatch(config.timeoutMs, () => {
    timedOut = true;
    upstream.abort();
  });
  const scanner = new StopScanner(request.stop);
  const aborted = (): GenerateResult => ({ finishReason: "abort" });
  let received = 0;

  try {
    let response: Response;
    try {
      response = await fetch(`${config.baseUrl}/api/generate`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}) },
        body: JSON.stringify(ollamaRequestBody(config, request)),
        signal: upstream.signal,
        redirect: "error",
      });
    } catch (error) {
      if (signal.aborted) return aborted();
      if (timedOut) throw timeoutError(config);
      throw connectionError(error, config);
    }
    if (!response.ok) {
      const body = await response.text().catch(() => "");
      if (signal.aborted) return aborted();
      if (timedOut) throw timeoutError(config);
      throw await ollamaHttpError(response.status, body, config);
    }

    const reader = keepReceivedBytes(response, upstream.signal).body!.getReader();
    const decoder = new TextDecoder();
    let partial = "";
    for (;;) {
      let read: ReadableStreamReadResult<Uint8Array>;
      try {
        read = await reader.read();
      } catch (error) {
        if (signal.aborted) return aborted();
        if (timedOut) throw timeoutError(config);
        const rest = scanner.flush();
        if (rest) yield rest;
        throw brokenStream(config, received, describe(error), error);
      }
      if (signal.aborted) return aborted();
      idle.hold();
      // A line (and a multi-byte character) may be split across network reads.
      partial += read.done ? decoder.decode() : decoder.decode(read.value, { stream: true });
      const lines = partial.split("\n");
      partial = read.done ? "" : lines.pop()!;
      for (const raw of lines) {
        if (!raw.trim()) continue;
        const line = parseLine(raw, config, received);
        if (line.error !== undefined && line.error !== null) {
          const rest = scanner.flush();
          if (rest) yield rest;
          throw ollamaStreamError(typeof line.error === "string" ? line.error : JSON.stringify(line.error), received + rest.length);
        }
        // Thinking models with a parser may move their thinking to `thinking`; it is still the model's text.
        const text = (typeof line.thinking === "string" ? line.thinking : "") + (typeof line.response === "string" ? line.response : "");
        const { emit, stop } = scanner.push(text);
        if (emit) {
          received += emit.length;
          yield emit;
          if (signal.aborted) return aborted();
        }
        if (stop !== undefined) return { finishReason: "stop", matchedStop: stop }; // finally closes the request
        if (line.done === true) {
          const rest = scanner.flush();
          if (rest) yield rest;
          return finishOf(line);
        }
      }
      if (read.done) {
        const rest = scanner.flush();
        if (rest) yield rest;
        throw brokenStream(config, received, "the stream ended without its done line");
      }
      idle.resume();
    }
  } finally {
    idle.stop();
    signal.removeEventListener("abort", onAbort);
    upstream.abort(); // no-op after the done line; stops Ollama at a stop string or when the consumer left
  }
}

function parseLine(raw: string, config: ModelConfig, received: number): OllamaLine {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new ModelError(
      "malformed-stream",
      `The server at ${config.baseUrl} sent a stream that is not Ollama's NDJSON (after ${received} characters of text). ` +
        "Is it an Ollama server? For an OpenAI-compatible server (vLLM, LM Studio, llama.cpp) choose that provider instead.",
      { cause: error },
    );
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ModelError("malformed-stream", `The server at ${config.baseUrl} sent a line that is not an Ollama stream object (after ${received} characters of text).`);
  }
  return parsed as OllamaLine;
}

/**
 * The done line. No stop strings were sent, so "stop" is the model's own end (its EOS, or a stop
 * of its Modelfile such as `<|im_end|>`); "length" is num_predict.
 */
function finishOf(line: OllamaLine): GenerateResult {
  const usage: Usage = {};
  if (Number.isInteger(line.prompt_eval_count)) usage.promptTokens = line.prompt_eval_count as number;
  if (Number.isInteger(line.eval_count)) usage.completionTokens = line.eval_count as number;
  if (Number.isInteger(line.prompt_eval_cached_count)) usage.cachedTokens = line.prompt_eval_cached_count as number;
  const finishReason = line.done_reason === "length" ? "length" : "eos";
  return Object.keys(usage).length ? { finishReason, usage } : { finishReason };
}
