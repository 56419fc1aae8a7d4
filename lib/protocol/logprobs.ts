import { z } from "zod";

/**
 * The model's own token probabilities, per generated token, and the compact binary form they are
 * stored and served in (one packed blob per segment, never JSON per token).
 *
 * Invariant of a decoded segment: `segmentText.slice(t.start, t.start + t.text.length) === t.text`
 * for every token `t`, and tokens are in generation order.
 *
 * Byte-fallback tokens (llama.cpp's `<0xE2>`, vLLM's `bytes:\xe2`): a model may emit one character
 * as several tokens of one UTF-8 byte each. The token that completes the character carries its
 * text; the earlier byte tokens carry `""` at the same `start`, so the invariant above holds and
 * every token keeps its probability. An *alternative* that is a lone byte cannot be shown as text,
 * so it is written the way llama.cpp names byte tokens, `<0xE2>` (see {@link byteTokenText}).
 */

/** One alternative the model weighed at a position. */
export interface TokenAlternative {
  text: string;
  logprob: number;
}
/** One generated token: `start` = char offset of the token's text within its segment's text. */
export interface TokenLogprob {
  start: number;
  text: string;
  logprob: number;
  /** ≤ 5, most likely first (providers usually include the chosen token itself). */
  top: TokenAlternative[];
}

/** Most alternatives a request may ask for per token (OpenAI's `top_logprobs` allows 20; top-5 is what the views use). */
export const MAX_TOP_LOGPROBS = 5;
/**
 * Logprobs are stored in steps of 1/1024 nat, so a decoded value is within 1/2048 nat of the
 * original (a relative error in probability below 0.05%). Values below the floor (e^-64 ≈ 1.6e-28,
 * -Infinity, or a server's -9999 sentinel) decode as the floor; values above 0 (rounding noise)
 * decode as 0. Every decoded logprob is in [LOGPROB_FLOOR, 0].
 */
export const LOGPROB_STEPS_PER_NAT = 1024;
export const LOGPROB_FLOOR = -64;
/** Largest difference between a logprob in [LOGPROB_FLOOR, 0] and its decoded value. */
export const LOGPROB_MAX_ERROR = 1 / (2 * LOGPROB_STEPS_PER_NAT);

const FORMAT_VERSION = 1;
const MAX_Q = -LOGPROB_FLOOR * LOGPROB_STEPS_PER_NAT;

/** Longest token text accepted (whitespace runs can be long tokens; a vocabulary entry is not). */
export const MAX_TOKEN_CHARS = 1000;
/** Schemas for the decoded shape (NDJSON frames, live saves). -Infinity is not JSON: providers clamp to the floor. */
export const TokenAlternativeSchema = z.object({ text: z.string().max(MAX_TOKEN_CHARS), logprob: z.number().min(LOGPROB_FLOOR).max(0) });
export const TokenLogprobSchema = z.object({
  start: z.number().int().nonnegative(),
  text: z.string().max(MAX_TOKEN_CHARS),
  logprob: z.number().min(LOGPROB_FLOOR).max(0),
  top: z.array(TokenAlternativeSchema).max(MAX_TOP_LOGPROBS),
});

/** Most tokens one live save carries (the writer sends the rest with the next save). */
export const MAX_LIVE_LOGPROB_TOKENS = 4096;
/** Most tokens stored per segment: a whole trace's token budget fits in one segment. */
export const MAX_SEGMENT_LOGPROB_TOKENS = 262_144;

/**
 * Logprobs in a live save (PATCH /api/traces/:id/live): the tokens of `segment` from char offset
 * `from` on, replacing whatever is stored there from `from` on (so a retried save is idempotent).
 * Every token starts at or after `from` and lies within the segment's text, which it must match.
 */
export const LiveLogprobsSchema = z.object({
  segment: z.number().int().min(1),
  from: z.number().int().min(0),
  tokens: z.array(TokenLogprobSchema).min(1).max(MAX_LIVE_LOGPROB_TOKENS),
});
export type LiveLogprobs = z.infer<typeof LiveLogprobsSchema>;

/** GET /api/traces/:id/logprobs: one packed blob (base64 of {@link packLogprobs}) per segment that has any. */
export const TraceLogprobsSchema = z.object({
  segments: z.array(z.object({ segment: z.number().int().min(0), packed: z.string() })),
});
export type TraceLogprobs = z.infer<typeof TraceLogprobsSchema>;

/** Clamp a provider's value into the stored range ([LOGPROB_FLOOR, 0]; -Infinity, -9999 and NaN included). */
export function clampLogprob(x: number): number {
  if (Number.isNaN(x) || x > 0) return 0;
  return x < LOGPROB_FLOOR ? LOGPROB_FLOOR : x;
}

/** The display text of a lone UTF-8 byte token, as llama.cpp names it in its vocabulary. */
export function byteTokenText(byte: number): string {
  return `<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`;
}

function quantise(logprob: number): number {
  if (!(logprob < 0)) return 0; // also NaN → 0: an unknown value must not read as "impossible"
  const q = Math.round(-logprob * LOGPROB_STEPS_PER_NAT);
  return q > MAX_Q ? MAX_Q : q;
}
function dequantise(q: number): number {
  return q === 0 ? 0 : -q / LOGPROB_STEPS_PER_NAT;
}

class Writer {
  private buf = new Uint8Array(256);
  length = 0;
  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }
  varint(n: number): void {
    this.ensure(8);
    while (n >= 0x80) {
      this.buf[this.length++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.length++] = n;
  }
  zigzag(n: number): void {
    this.varint(n >= 0 ? n * 2 : -n * 2 - 1);
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

class Reader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}
  private fail(): never {
    throw new Error(`packed logprobs are truncated or corrupt at byte ${this.pos} of ${this.buf.length}`);
  }
  byte(): number {
    if (this.pos >= this.buf.length) this.fail();
    return this.buf[this.pos++]!;
  }
  varint(): number {
    let n = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 128;
    }
    return this.fail();
  }
  zigzag(): number {
    const n = this.varint();
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }
  bytes(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) this.fail();
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/*
 * Layout (version 1), all integers unsigned LEB128 varints unless said:
 *   version byte
 *   string table: count, then per string its UTF-8 byte length and bytes, most used first so the
 *     common tokens (" the", "\n\n", ",") are referenced with one byte
 *   token count, then per token:
 *     head = topCount | (chosenRank + 1) << 3 | gapNonZero << 6, where chosenRank is the index in
 *       `top` of an alternative equal to the chosen token (same text, same quantised logprob) or -1
 *     [gapNonZero] zigzag(start − previous token's end); tokens are usually contiguous, so 0
 *     [chosenRank = -1] text ref, q(logprob)
 *     per alternative: text ref, then q(logprob) for the first and zigzag(q − previous q) after it
 *       (alternatives come most likely first, so the deltas are small and non-negative)
 * q(x) = round(−x · 1024) clamped to [0, 65536].
 */

/** Packs a segment's tokens into the stored form. Throws if a token has more than 7 alternatives. */
export function packLogprobs(tokens: TokenLogprob[]): Uint8Array {
  const counts = new Map<string, number>();
  const count = (s: string) => counts.set(s, (counts.get(s) ?? 0) + 1);
  for (const t of tokens) {
    if (t.top.length > 7) throw new RangeError(`a token has ${t.top.length} alternatives; at most 7 can be packed (ask for ≤ ${MAX_TOP_LOGPROBS})`);
    const rank = chosenRank(t);
    if (rank < 0) count(t.text);
    for (const a of t.top) count(a.text);
  }
  const table = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([s]) => s);
  const index = new Map(table.map((s, i) => [s, i]));
  // A lone surrogate becomes U+FFFD in UTF-8, which can change the text's length; offsets are
  // computed from the decoded length so the reader's running end stays in step with the writer's.
  const decodedLength = new Map<string, number>();
  const w = new Writer();
  w.byte(FORMAT_VERSION);
  w.varint(table.length);
  for (const s of table) {
    const b = encoder.encode(s);
    decodedLength.set(s, b.length === s.length ? s.length : decoder.decode(b).length);
    w.varint(b.length);
    w.bytes(b);
  }
  w.varint(tokens.length);
  let end = 0;
  for (const t of tokens) {
    const rank = chosenRank(t);
    const gap = t.start - end;
    w.byte(t.top.length | ((rank + 1) << 3) | (gap !== 0 ? 1 << 6 : 0));
    if (gap !== 0) w.zigzag(gap);
    if (rank < 0) {
      w.varint(index.get(t.text)!);
      w.varint(quantise(t.logprob));
    }
    let prev = 0;
    t.top.forEach((a, i) => {
      w.varint(index.get(a.text)!);
      const q = quantise(a.logprob);
      if (i === 0) w.varint(q);
      else w.zigzag(q - prev);
      prev = q;
    });
    end = t.start + (decodedLength.get(t.text) ?? t.text.length);
  }
  return w.result();
}

function chosenRank(t: TokenLogprob): number {
  const q = quantise(t.logprob);
  return t.top.findIndex((a) => a.text === t.text && quantise(a.logprob) === q);
}

/** Decodes {@link packLogprobs}' output. Throws a clear error on an unknown version or corrupt bytes. */
export function unpackLogprobs(bytes: Uint8Array): TokenLogprob[] {
  const r = new Reader(bytes);
  const version = r.byte();
  if (version !== FORMAT_VERSION) throw new Error(`packed logprobs have format version ${version}; this build reads version ${FORMAT_VERSION}`);
  const tableSize = r.varint();
  if (tableSize > bytes.length) throw new Error("packed logprobs are corrupt: the string table is larger than the data");
  const table: string[] = new Array<string>(tableSize);
  for (let i = 0; i < tableSize; i++) table[i] = decoder.decode(r.bytes(r.varint()));
  const ref = () => {
    const i = r.varint();
    if (i >= tableSize) throw new Error(`packed logprobs are corrupt: string ${i} of a table of ${tableSize}`);
    return table[i]!;
  };
  const n = r.varint();
  if (n > bytes.length) throw new Error("packed logprobs are corrupt: more tokens than bytes");
  const tokens: TokenLogprob[] = new Array<TokenLogprob>(n);
  let end = 0;
  for (let k = 0; k < n; k++) {
    const head = r.byte();
    const topCount = head & 7;
    const rank = ((head >> 3) & 7) - 1;
    const start = end + (head & (1 << 6) ? r.zigzag() : 0);
    let text = "";
    let logprob = 0;
    if (rank < 0) {
      text = ref();
      logprob = dequantise(r.varint());
    }
    const top: TokenAlternative[] = new Array<TokenAlternative>(topCount);
    let prev = 0;
    for (let i = 0; i < topCount; i++) {
      const aText = ref();
      const q = i === 0 ? r.varint() : prev + r.zigzag();
      top[i] = { text: aText, logprob: dequantise(q) };
      prev = q;
    }
    if (rank >= 0) {
      const chosen = top[rank];
      if (!chosen) throw new Error("packed logprobs are corrupt: the chosen token points past its alternatives");
      text = chosen.text;
      logprob = chosen.logprob;
    }
    tokens[k] = { start, text, logprob, top };
    end = start + text.length;
  }
  return tokens;
}

/** Base64 of packed bytes (btoa/atob exist in browsers and Node ≥ 16, Buffer only in Node). */
export function logprobsToBase64(bytes: Uint8Array): string {
  let s = "";
  const CHUNK = 0x8000; // String.fromCharCode's argument count is bounded
  for (let i = 0; i < bytes.length; i += CHUNK) s += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  return btoa(s);
}
export function logprobsFromBase64(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
