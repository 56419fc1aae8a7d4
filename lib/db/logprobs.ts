import "server-only";
import {
  AppError,
  logprobsToBase64,
  MAX_SEGMENT_LOGPROB_TOKENS,
  packLogprobs,
  unpackLogprobs,
  type LiveLogprobs,
  type Segment,
  type TokenLogprob,
  type TraceLogprobs,
} from "@/lib/protocol";
import type { Db } from "./sqlite";

/**
 * Token probabilities of a trace's model segments (table segment_logprobs, migration "token
 * probabilities per segment"). A segment's tokens are stored as parts, each one packed blob
 * starting at a char offset; a live save replaces the tokens from its offset on (so retries are
 * idempotent) by deleting the parts from there and adding one. Rows go with their trace (ON
 * DELETE CASCADE). Optional: a trace without rows is a trace without logprobs.
 */

interface PartRow {
  segment: number;
  start: number;
  last_start: number;
  tokens: number;
  packed: Buffer;
}

/**
 * Check tokens against the stored segment text they describe: a model segment, offsets in order
 * from `from` on, inside the text, and the text at each offset equal to the token's.
 */
function checkTokens(segments: readonly Segment[], entry: LiveLogprobs): void {
  const seg = segments[entry.segment];
  const where = `logprobs of segment ${entry.segment}`;
  if (!seg) throw new AppError("bad-request", `${where}: the trace has ${segments.length} segments`);
  if (seg.kind !== "model") throw new AppError("bad-request", `${where}: only model text has token probabilities (this segment is ${seg.kind})`);
  let previous = entry.from;
  entry.tokens.forEach((t, i) => {
    if (t.start < previous) throw new AppError("bad-request", `${where}: token ${i} starts at ${t.start}, before ${previous} (tokens go in order from \`from\`)`);
    if (t.start + t.text.length > seg.text.length) throw new AppError("bad-request", `${where}: token ${i} ends at ${t.start + t.text.length}, past the segment's ${seg.text.length} characters`);
    if (!seg.text.startsWith(t.text, t.start)) throw new AppError("bad-request", `${where}: token ${i} (${JSON.stringify(t.text)}) does not match the segment's text at ${t.start}`);
    previous = t.start;
  });
}

/** Replace the tokens of `entry.segment` from `entry.from` on with `entry.tokens`. Call inside a transaction. */
export function appendLogprobs(db: Db, traceId: string, segments: readonly Segment[], entry: LiveLogprobs): void {
  checkTokens(segments, entry);
  replaceFrom(db, traceId, entry.segment, entry.from, entry.tokens);
}

function replaceFrom(db: Db, traceId: string, segment: number, from: number, tokens: readonly TokenLogprob[]): void {
  db.prepare("DELETE FROM segment_logprobs WHERE trace_id = ? AND segment = ? AND start >= ?").run(traceId, segment, from);
  // The one part that began before `from` and reaches past it (only a client re-sending a
  // shorter range makes one): keep its tokens before `from`.
  const cut = db.prepare("SELECT * FROM segment_logprobs WHERE trace_id = ? AND segment = ? AND start < ? AND last_start >= ?").get(traceId, segment, from, from) as PartRow | undefined;
  if (cut) {
    const kept = unpackLogprobs(cut.packed).filter((t) => t.start < from);
    db.prepare("DELETE FROM segment_logprobs WHERE trace_id = ? AND segment = ? AND start = ?").run(traceId, segment, cut.start);
    if (kept.length) insertPart(db, traceId, segment, kept);
  }
  const stored = (db.prepare("SELECT COALESCE(SUM(tokens), 0) AS n FROM segment_logprobs WHERE trace_id = ? AND segment = ?").get(traceId, segment) as { n: number }).n;
  if (stored + tokens.length > MAX_SEGMENT_LOGPROB_TOKENS) {
    throw new AppError("bad-request", `logprobs of segment ${segment}: at most ${MAX_SEGMENT_LOGPROB_TOKENS} tokens are stored per segment`);
  }
  if (tokens.length) insertPart(db, traceId, segment, tokens);
}

function insertPart(db: Db, traceId: string, segment: number, tokens: readonly TokenLogprob[]): void {
  db.prepare("INSERT INTO segment_logprobs (trace_id, segment, start, last_start, tokens, packed) VALUES (?, ?, ?, ?, ?, ?)").run(
    traceId,
    segment,
    tokens[0]!.start,
    tokens[tokens.length - 1]!.start,
    tokens.length,
    Buffer.from(packLogprobs(tokens as TokenLogprob[])),
  );
}

/** Store a segment's tokens whole (a headless run's), replacing any. Checked like a live save. */
export function putLogprobs(db: Db, traceId: string, segments: readonly Segment[], segment: number, tokens: readonly TokenLogprob[]): void {
  if (tokens.length === 0) return;
  checkTokens(segments, { segment, from: 0, tokens: tokens as TokenLogprob[] });
  replaceFrom(db, traceId, segment, 0, tokens);
}

/** Every segment's tokens, decoded, in segment order. */
export function readLogprobs(db: Db, traceId: string): { segment: number; tokens: TokenLogprob[] }[] {
  return groupParts(db, traceId).map(({ segment, parts }) => ({ segment, tokens: parts.flatMap((p) => unpackLogprobs(p.packed)) }));
}

/** One packed blob per segment: a single part as stored, several joined and packed again. */
export function readPackedLogprobs(db: Db, traceId: string): { segment: number; packed: Uint8Array }[] {
  return groupParts(db, traceId).map(({ segment, parts }) => ({
    segment,
    packed: parts.length === 1 ? new Uint8Array(parts[0]!.packed) : packLogprobs(parts.flatMap((p) => unpackLogprobs(p.packed))),
  }));
}

function groupParts(db: Db, traceId: string): { segment: number; parts: PartRow[] }[] {
  const rows = db.prepare("SELECT * FROM segment_logprobs WHERE trace_id = ? ORDER BY segment, start").all(traceId) as PartRow[];
  const out: { segment: number; parts: PartRow[] }[] = [];
  for (const row of rows) {
    const last = out[out.length - 1];
    if (last && last.segment === row.segment) last.parts.push(row);
    else out.push({ segment: row.segment, parts: [row] });
  }
  return out;
}

/**
 * A fork's shared prefix: segments before `at.segment` keep all their tokens, the cut segment
 * those that end at or before `at.offset`.
 */
export function copyLogprobsPrefix(db: Db, fromId: string, toId: string, at: { segment: number; offset: number }): void {
  for (const { segment, tokens } of readLogprobs(db, fromId)) {
    // Forking at a segment's start leaves that segment out of the fork.
    if (segment > at.segment || (segment === at.segment && at.offset === 0)) break;
    const kept = segment < at.segment ? tokens : tokens.filter((t) => t.start + t.text.length <= at.offset);
    if (kept.length) insertPart(db, toId, segment, kept);
  }
}

/** The body of GET /api/traces/:id/logprobs: each segment's blob in base64. */
export function toTraceLogprobs(parts: { segment: number; packed: Uint8Array }[]): TraceLogprobs {
  return { segments: parts.map((s) => ({ segment: s.segment, packed: logprobsToBase64(s.packed) })) };
}
