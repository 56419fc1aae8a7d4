import "server-only";
import type { LlamaContextSequence, LlamaModel, SequenceEvaluateOptions, Token } from "node-llama-cpp";
import { clampLogprob, type TokenAlternative } from "@/lib/protocol";
import { createLogprobAligner, type ParsedToken } from "../logprobs";
import type { LogprobSink } from "../types";

/** One sampled token and, when asked for, what node-llama-cpp said about it. */
export interface SampledToken {
  token: Token;
  logprob?: number;
  top?: TokenAlternative[];
}

/**
 * The local model's generation loop input: plain `evaluate` normally; with logprobs asked for,
 * `evaluateWithMetadata` (node-llama-cpp ≥ 3.4), whose `confidence` is the sampled token's
 * probability and `probabilities` the next-token distribution, sorted, *after* the sampling
 * options (temperature, top-p) — unlike vLLM and llama-server, which report the model's raw
 * distribution. With top-p, alternatives outside the nucleus have probability 0 and are left out.
 */
export async function* sampleTokens(
  sequence: LlamaContextSequence,
  model: LlamaModel,
  tokens: Token[],
  options: SequenceEvaluateOptions,
  topN: number | undefined,
): AsyncGenerator<SampledToken> {
  if (topN === undefined) {
    for await (const token of sequence.evaluate(tokens, options)) yield { token };
    return;
  }
  const evaluation = sequence.evaluateWithMetadata(tokens, { confidence: true, probabilities: topN > 0 }, options) as AsyncGenerator<{
    token: Token;
    confidence: number;
    probabilities?: Map<Token, number>;
  }>;
  for await (const out of evaluation) {
    const top: TokenAlternative[] = [];
    if (out.probabilities) {
      for (const [token, p] of out.probabilities) {
        if (top.length >= topN || !(p > 0)) break;
        top.push({ text: model.detokenize([token], true), logprob: clampLogprob(Math.log(p)) });
      }
    }
    yield { token: out.token, logprob: clampLogprob(Math.log(out.confidence)), top };
  }
}

/**
 * Reports the probabilities of one stream's tokens as their text is yielded. Tokens that decode
 * together (byte-level pieces of one character) are committed as one piece: the last carries its
 * text, the earlier ones "" (lib/protocol/logprobs.ts).
 */
export function createLocalLogprobs(onLogprobs: LogprobSink | undefined, enabled: boolean) {
  const aligner = createLogprobAligner();
  let pending: ParsedToken[] = [];
  return {
    sampled(s: SampledToken): void {
      if (enabled && s.logprob !== undefined) pending.push({ text: "", logprob: s.logprob, top: s.top ?? [] });
    },
    committed(piece: string): void {
      if (!enabled || pending.length === 0) return;
      pending[pending.length - 1]!.text = piece;
      aligner.pushTokens(pending);
      pending = [];
    },
    /** Call with each chunk just before it is yielded. */
    yielding(text: string): void {
      if (!enabled || !onLogprobs) return;
      aligner.pushText(text);
      const ready = aligner.drain();
      if (ready.length) onLogprobs(ready);
    },
  };
}
