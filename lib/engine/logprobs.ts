import type { Segment, TokenLogprob } from "@/lib/protocol";

/**
 * Where a stream's token probabilities belong. A stream's accepted text is a prefix of what the
 * model generated, appended to one model segment: the last segment when it is model text, else a
 * new one (the engine cuts the rest at a pause point, a closed code block or a stop). So a token
 * at offset `start` of the stream sits at `base + start` of segment `segment`, and it is kept once
 * the engine has accepted all of its text (held-back text waits; text after a cut never comes).
 */
export interface StreamAnchor {
  segment: number;
  base: number;
}

/** Segment index → that segment's tokens, `start` relative to the segment's text. */
export type SegmentLogprobs = Record<number, TokenLogprob[]>;

/** The anchor of a stream that starts now, on these segments. */
export function streamAnchor(segments: readonly Segment[]): StreamAnchor {
  const last = segments[segments.length - 1];
  return last?.kind === "model" ? { segment: segments.length - 1, base: last.text.length } : { segment: segments.length, base: 0 };
}

/**
 * Splits a stream's pending tokens (stream offsets) into those the engine has accepted, moved to
 * segment offsets, and those still waiting. A token whose text does not match the segment's text
 * there is dropped with everything after it: the stream's text did not land where expected.
 */
export function placeTokens(segments: readonly Segment[], anchor: StreamAnchor, pending: readonly TokenLogprob[]): { placed: TokenLogprob[]; waiting: TokenLogprob[] } {
  const target = segments[anchor.segment];
  if (!target || target.kind !== "model") return { placed: [], waiting: [...pending] };
  const accepted = target.text.length - anchor.base;
  const placed: TokenLogprob[] = [];
  let i = 0;
  for (; i < pending.length; i++) {
    const t = pending[i]!;
    if (t.start + t.text.length > accepted) break;
    const start = anchor.base + t.start;
    if (!target.text.startsWith(t.text, start)) return { placed, waiting: [] };
    placed.push({ ...t, start });
  }
  return { placed, waiting: pending.slice(i) };
}

/** `logprobs` with `tokens` appended to `segment` (a new object; other segments shared). */
export function appendSegmentLogprobs(logprobs: SegmentLogprobs, segment: number, tokens: readonly TokenLogprob[]): SegmentLogprobs {
  if (tokens.length === 0) return logprobs;
  return { ...logprobs, [segment]: (logprobs[segment] ?? []).concat(tokens) };
}
