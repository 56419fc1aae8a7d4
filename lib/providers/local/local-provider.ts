import "server-only";
import { existsSync } from "node:fs";
import type { Token } from "node-llama-cpp";
import type { FinishReason, GenerateRequest, GenerateResult } from "@/lib/protocol";
import { ModelError, type Provider } from "../types";
import type { LoadedModel, LocalRuntime, Slot } from "./runtime";
import type { Session } from "./session-pool";
import { StopScanner } from "./stop-scanner";

export interface LocalProviderConfig {
  runtime: LocalRuntime;
  /** Absolute path of the GGUF file (already downloaded). */
  modelPath: string;
  /** Set for downloaded models: a missing file then means "not downloaded yet". */
  modelName?: string;
  /** The template setting: used when the file has no chat template, and "raw" always wins. */
  template: string;
}

// A UTF-8 character is at most 4 bytes, so at most 4 byte-level tokens can end inside one.
const MAX_SPLIT_TOKENS = 4;

/**
 * A GGUF model in this process. Each trace (request.session) keeps one context sequence, so
 * continuing after a pause, a hint or a tool output evaluates only the tokens of the new text:
 * the rendered prompt is matched against the text the sequence already holds, the KV cache is
 * cut back to the last shared token boundary, and only the rest is tokenized and evaluated.
 */
export function createLocalProvider(config: LocalProviderConfig): Provider {
  // Tokens fed through the model by this provider: prompt tokens evaluated plus sampled tokens fed back.
  const meter = { evaluated: 0 };
  return {
    tokensEvaluated: () => meter.evaluated,
    async *generate(request, signal) {
      if (!existsSync(config.modelPath)) throw missingModel(config);
      const loaded = await config.runtime.load(config.modelPath);
      const text = loaded.renderer.render(request, config.template);
      let session: Session<Slot>;
      try {
        session = await loaded.sessions.acquire(request.session, text, signal);
      } catch (error) {
        if (signal.aborted) return { finishReason: "abort" };
        throw error;
      }
      try {
        return yield* generateInSession(loaded, session, text, request, signal, meter);
      } finally {
        void evaluatePending(session, meter).finally(() => loaded.sessions.release(session));
      }
    },
  };
}

/**
 * The last token a stream sampled is not in the KV cache yet. Evaluate it now, while the user
 * reads the pause banner, so the next request (a hint, a tool output) evaluates only its own
 * tokens. The session stays busy until then; a request for it waits, one for another trace does not.
 */
async function evaluatePending(session: Session<Slot>, meter: { evaluated: number }): Promise<void> {
  const { sequence } = session.slot;
  const pending = session.history.tokens.slice(sequence.nextTokenIndex) as Token[];
  if (pending.length === 0 || sequence.disposed) return;
  try {
    const before = sequence.nextTokenIndex;
    await sequence.evaluateWithoutGeneratingNewTokens(pending);
    meter.evaluated += sequence.nextTokenIndex - before;
  } catch (error) {
    // Harmless: the next request evaluates the token itself. A disposed context (model switch) is expected.
    if (!sequence.disposed) console.warn("[hintlab] local model: evaluating the last sampled token failed", error);
  }
}

async function* generateInSession(
  loaded: LoadedModel,
  session: Session<Slot>,
  text: string,
  request: GenerateRequest,
  signal: AbortSignal,
  meter: { evaluated: number },
): AsyncGenerator<string, GenerateResult> {
  const { model, contextSize } = loaded;
  const { sequence } = session.slot;
  const history = session.history;

  // 1. Keep the longest prefix the sequence already holds; cut the KV cache back to it.
  const keep = history.boundaryAtOrBefore(history.commonPrefix(text));
  history.truncate(keep.tokens);
  if (sequence.nextTokenIndex > keep.tokens) {
    await sequence.eraseContextTokenRanges([{ start: keep.tokens, end: sequence.nextTokenIndex }]);
  }
  // 2. Tokenize only the new text, with special tokens parsed as such (<think>, <|im_end|>…). A
  //    prefix shared with other requests of the session (a sweep's point) is a piece of its own,
  //    so the next sample can cut the KV cache back to exactly its end.
  const split = sharedSplit(text, request, keep.chars);
  const pieces = split === undefined ? [text.slice(keep.chars)] : [text.slice(keep.chars, split), text.slice(split)];
  pieces.forEach((piece, i) => {
    const newTokens = piece ? model.tokenize(piece, true) : [];
    if (i === 0 && history.length === 0 && model.tokens.shouldPrependBosToken && model.tokens.bos !== null && newTokens[0] !== model.tokens.bos) {
      newTokens.unshift(model.tokens.bos);
    }
    history.appendPiece(piece, newTokens);
  });
  if (history.length === 0) throw new ModelError("bad-request", "The prompt is empty; write a problem first.");
  if (history.length >= contextSize) {
    throw new ModelError(
      "bad-request",
      `The prompt is ${history.length} tokens, but the local model's context holds ${contextSize}. ` +
        `Raise HINTLAB_LOCAL_CONTEXT_SIZE (this model was trained on ${model.trainContextSize}) or start from a shorter trace.`,
    );
  }

  // 3. Evaluate what the KV cache lacks: the last generated token of the previous stream (sampled
  //    but never evaluated) and the new text. At least one token must go in to get fresh logits.
  let reused = sequence.nextTokenIndex;
  if (reused === history.length) {
    reused--;
    await sequence.eraseContextTokenRanges([{ start: reused, end: reused + 1 }]);
  }
  const toEvaluate = history.tokens.slice(reused) as Token[];
  const evaluatedBefore = sequence.nextTokenIndex;
  const promptTokens = history.length;
  const maxNew = Math.min(request.maxTokens, contextSize - history.length - 1);

  const scanner = new StopScanner(request.stop);
  let finishReason: FinishReason = "eos";
  let matchedStop: string | undefined;
  let generated = 0;
  let undecoded: Token[] = [];
  const commit = (piece: string) => {
    history.appendPiece(piece, undecoded);
    undecoded = [];
  };

  if (maxNew <= 0) {
    finishReason = "length";
  } else if (signal.aborted) {
    finishReason = "abort";
  } else {
    // yieldEogToken false: the stream ends at end-of-generation and the EOG token stays out of the history.
    const evaluation = sequence.evaluate(toEvaluate, {
      ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
      ...(request.topP !== undefined ? { topP: request.topP } : {}),
      ...(request.seed !== undefined ? { seed: request.seed } : {}),
      yieldEogToken: false,
    });
    for await (const token of evaluation) {
      generated++;
      undecoded.push(token);
      const piece = model.detokenize(undecoded, true, history.tokens.slice(-MAX_SPLIT_TOKENS) as Token[]);
      if (piece.endsWith("\uFFFD") && undecoded.length < MAX_SPLIT_TOKENS && generated < maxNew && !signal.aborted) continue;
      commit(piece);
      const { emit, stop } = scanner.push(piece);
      if (emit) yield emit;
      if (stop !== undefined) {
        finishReason = "stop";
        matchedStop = stop;
        break;
      }
      if (signal.aborted) {
        finishReason = "abort";
        break;
      }
      if (generated >= maxNew) {
        finishReason = "length";
        break;
      }
    }
    if (undecoded.length) {
      // The stream ended inside a held-back character: what it decodes to is still model text.
      const piece = model.detokenize(undecoded, true);
      commit(piece);
      const { emit } = scanner.push(piece);
      if (emit) yield emit;
    }
  }
  meter.evaluated += Math.max(0, sequence.nextTokenIndex - evaluatedBefore);
  if (finishReason !== "stop") {
    const rest = scanner.flush();
    if (rest) yield rest;
  }
  return {
    finishReason,
    ...(matchedStop !== undefined ? { matchedStop } : {}),
    usage: { promptTokens, completionTokens: generated, cachedTokens: reused },
  };
}

/**
 * Where the request's shared prefix ends in the rendered text, when it is still to be tokenized:
 * the rendering ends with the prompt's text after the prefix (raw prompts, or a chat template's
 * user turn followed by the assistant prefill), so the split is that far from the end.
 */
function sharedSplit(text: string, request: GenerateRequest, kept: number): number | undefined {
  if (request.sharedPrefix === undefined || request.sharedPrefix > request.prompt.length) return undefined;
  const tail = request.prompt.slice(request.sharedPrefix);
  if (!text.endsWith(tail)) return undefined;
  const split = text.length - tail.length;
  return split > kept && split < text.length ? split : undefined;
}

function missingModel(config: LocalProviderConfig): ModelError {
  return new ModelError(
    "model-not-found",
    config.modelName
      ? `The local model ${config.modelName} is not downloaded yet: press Download in Model settings or run \`npx hintlab model pull\` (it is saved to ${config.modelPath}).`
      : `There is no GGUF file at ${config.modelPath}: put the model there, point HINTLAB_LOCAL_MODEL at another file, or connect a model server (HINTLAB_BASE_URL).`,
  );
}
