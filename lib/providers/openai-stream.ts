import "server-only";
import OpenAI from "openai";
import type { GenerateRequest, GenerateResult, Usage } from "@/lib/protocol";
import type { RemoteModelConfig as ModelConfig } from "./config";
import { brokenStream, requestError, streamError, timeoutError, type ErrorContext } from "./errors";
import { keepReceivedBytes } from "./read-ahead";
import { idleWatch } from "./idle-watch";
import { StopScanner } from "./local/stop-scanner";
import { createLogprobAligner, createLogprobParser, type ParsedToken } from "./logprobs";
import { ModelError, type LogprobSink } from "./types";

/**
 * The request fields both endpoints share: stops (unless they are found here, see StreamSpec),
 * sampling, and max_tokens — always sent, since servers default to 16 tokens (OpenAI, vLLM's completions).
 */
export function streamingParams(request: GenerateRequest, { sendStops = true }: { sendStops?: boolean } = {}) {
  return {
    stream: true as const,
    stream_options: { include_usage: true },
    ...(sendStops && request.stop.length ? { stop: request.stop } : {}),
    max_tokens: request.maxTokens,
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.topP !== undefined ? { top_p: request.topP } : {}),
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
  };
}

/** What one streamed chunk carries, whatever the endpoint's shape. */
export interface ChunkView {
  text: string;
  finishReason?: string | null;
  /** vLLM `stop_reason` (string = matched stop, number = stop token id, null = EOS); SGLang `matched_stop`. */
  stopReason?: unknown;
  /** False when the server did not report which stop matched (the field is absent). */
  reportsStopReason: boolean;
  usage?: RawUsage | null;
  /** The chunk's `choices[0].logprobs`, raw (read only when the request asked for logprobs). */
  logprobs?: unknown;
}

export interface RawUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
}

interface StreamSpec {
  config: ModelConfig;
  endpoint: ErrorContext["endpoint"];
  stop: string[];
  /**
   * Find `stop` in the text here instead of trusting the server to report it: for servers that
   * end at a stop with finish_reason "stop" and no field naming it (LM Studio), where a trigger
   * would look like the model's own end. The request must then not send `stop` (streamingParams).
   */
  findStops?: boolean;
  start: (client: OpenAI, signal: AbortSignal) => Promise<AsyncIterable<unknown>>;
  view: (chunk: unknown) => ChunkView;
  /** Top alternatives asked for (request.logprobs); absent = no logprobs. */
  logprobs?: number;
}

/**
 * The streaming loop shared by the OpenAI-compatible providers: one client per request (it
 * captures the body of a failed response, which the openai package drops for vLLM's error shape),
 * no hidden retries (a retry is the user's call, and retries would multiply a timeout), an idle
 * timer that only runs while waiting on the server, and abort → `{ finishReason: "abort" }`.
 */
export async function* streamOpenAI(spec: StreamSpec, signal: AbortSignal, onLogprobs?: LogprobSink): AsyncGenerator<string, GenerateResult> {
  const { config } = spec;
  if (signal.aborted) return { finishReason: "abort" };

  let responseBody: string | undefined;
  const client = createClient(config, (body) => (responseBody = body));
  const upstream = new AbortController();
  const onAbort = () => upstream.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  let timedOut = false;
  let idle: ReturnType<typeof idleWatch> | undefined;
  const armIdle = () => {
    if (idle) idle.resume();
    else
      idle = idleWatch(config.timeoutMs, () => {
        timedOut = true;
        upstream.abort();
      });
  };

  let received = 0;
  const wantsLogprobs = spec.logprobs !== undefined && onLogprobs !== undefined;
  const parser = createLogprobParser(spec.logprobs ?? 0);
  const aligner = createLogprobAligner();
  const scanner = spec.findStops ? new StopScanner(spec.stop) : undefined;
  let usage: Usage | undefined;
  let finish: Pick<GenerateResult, "finishReason" | "matchedStop"> | undefined;
  const withUsage = (result: GenerateResult): GenerateResult => (usage ? { ...result, usage } : result);

  try {
    armIdle();
    let stream: AsyncIterable<unknown>;
    try {
      stream = await spec.start(client, upstream.signal);
    } catch (error) {
      if (signal.aborted) return { finishReason: "abort" };
      if (timedOut) throw timeoutError(config);
      throw await requestError(error, {
        config,
        endpoint: spec.endpoint,
        responseBody,
        listModels: () => listModels(client),
      });
    }

    try {
      for await (const chunk of stream) {
        // One network read can carry many events, which the package hands out after an abort too.
        if (signal.aborted) break;
        idle?.hold();
        const view = spec.view(chunk);
        if (view.usage) usage = mapUsage(view.usage);
        let text = view.text;
        let matched: string | undefined;
        if (scanner) {
          ({ emit: text, stop: matched } = scanner.push(view.text));
          // The held-back tail of the text (a possible start of a stop string) is the model's once the stream is done.
          if (view.finishReason && matched === undefined) text += scanner.flush();
        }
        if (matched !== undefined) finish = { finishReason: "stop", matchedStop: matched };
        else if (view.finishReason) finish = mapFinish(view, scanner ? [] : spec.stop, config);
        if (wantsLogprobs) {
          const tokens: ParsedToken[] = parser.parse(view.logprobs);
          aligner.pushTokens(tokens);
          aligner.pushText(text);
          const ready = aligner.drain();
          if (ready.length) onLogprobs(ready);
        }
        if (text) {
          received += text.length;
          // The timer is off while the consumer holds the chunk: a slow reader is not a silent server.
          yield text;
        }
        if (matched !== undefined) break; // finally closes the request: the server writes on past the stop
        armIdle();
      }
    } catch (error) {
      if (signal.aborted) return withUsage({ finishReason: "abort" });
      if (timedOut) throw timeoutError(config);
      throw streamError(error, config, received);
    }
    // The openai stream ends quietly when its request is aborted: tell why it ended.
    if (signal.aborted) return withUsage({ finishReason: "abort" });
    if (timedOut) throw timeoutError(config);
    if (!finish) throw brokenStream(config, received, "the stream ended without a finish reason");
    return withUsage(finish);
  } finally {
    idle?.stop();
    signal.removeEventListener("abort", onAbort);
    upstream.abort(); // no-op after a complete stream; stops the request if the consumer left early
  }
}

function createClient(config: ModelConfig, captureErrorBody: (body: string) => void): OpenAI {
  const capturingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (!response.ok) {
      captureErrorBody(await response.clone().text().catch(() => ""));
      return response;
    }
    return keepReceivedBytes(response, init?.signal);
  };
  return new OpenAI({
    baseURL: config.baseUrl,
    // Local servers without --api-key accept any bearer; the package insists on one.
    apiKey: config.apiKey ?? "EMPTY",
    maxRetries: 0,
    timeout: config.timeoutMs + 1_000, // our idle timer fires first, with the better message
    logLevel: "off",
    fetch: capturingFetch,
  });
}

async function listModels(client: OpenAI): Promise<string[] | null> {
  try {
    const names: string[] = [];
    for await (const model of client.models.list({ timeout: 10_000 })) names.push(model.id);
    return names;
  } catch {
    return null;
  }
}

/**
 * vLLM: finish_reason "stop" with stop_reason = the matched stop string, a token id (number) or
 * null for EOS; "length" at max_tokens. A server that honours `stop` without saying which one
 * matched (no stop_reason field at all) gets "stop" without matchedStop when stops were asked for.
 */
export function mapFinish(view: ChunkView, stops: string[], config: ModelConfig): Pick<GenerateResult, "finishReason" | "matchedStop"> {
  switch (view.finishReason) {
    case "length":
      return { finishReason: "length" };
    case "stop":
      if (typeof view.stopReason === "string") return { finishReason: "stop", matchedStop: view.stopReason };
      if (!view.reportsStopReason && stops.length > 0) return { finishReason: "stop" };
      return { finishReason: "eos" };
    case "abort":
      throw new ModelError(
        "server-error",
        `The model server at ${config.baseUrl} aborted the generation itself (finish_reason "abort"), e.g. while shutting down or out of memory. Check the server's log.`,
      );
    default:
      // "eos" (some servers), "content_filter", "tool_calls": the model is done either way.
      return { finishReason: "eos" };
  }
}

function mapUsage(raw: RawUsage): Usage {
  const usage: Usage = {};
  if (Number.isInteger(raw.prompt_tokens)) usage.promptTokens = raw.prompt_tokens;
  if (Number.isInteger(raw.completion_tokens)) usage.completionTokens = raw.completion_tokens;
  const cached = raw.prompt_tokens_details?.cached_tokens;
  if (Number.isInteger(cached)) usage.cachedTokens = cached;
  return usage;
}

/** Read the stop fields a server may send next to finish_reason. */
export function readStopReason(choice: Record<string, unknown>): Pick<ChunkView, "stopReason" | "reportsStopReason"> {
  if ("stop_reason" in choice) return { stopReason: choice.stop_reason, reportsStopReason: true }; // vLLM
  if ("matched_stop" in choice) return { stopReason: choice.matched_stop, reportsStopReason: true }; // SGLang
  return { stopReason: undefined, reportsStopReason: false };
}
