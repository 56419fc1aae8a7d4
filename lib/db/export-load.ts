import "server-only";
import type { Trace } from "@/lib/protocol";
import type { Db } from "./sqlite";
import type { TraceRow } from "./trace-list";
import { traceFromRow } from "./trace-row";

/**
 * A traces row with its segments (each one's stored JSON, in order) and its events, annotations
 * and edits as stored: JSON texts joined by commas (null: none).
 */
export interface StoredTrace extends TraceRow {
  segments: string[];
  events_json: string | null;
  annotations_json: string | null;
  edits_json: string | null;
}

// Two statements per batch. The traces with their events, annotations and edits: each trace's
// rows of those tables come back concatenated in TraceStore's order (events by index; marks and
// edits oldest first, then id), one JSON.parse per column instead of one per row. The segments,
// the bulk of the bytes, in primary-key order (trace, index), one row each: no aggregate to
// sort and copy them (bench/traces.mjs: group_concat cost twice the plain scan), and each row
// is what the export's copying path takes.
const child = (table: string, order: string) => `(SELECT group_concat(c.json, ',' ORDER BY ${order}) FROM ${table} c WHERE c.trace_id = t.id) AS ${table}_json`;
const BATCH_SQL = `SELECT t.*, ${child("events", "c.idx")}, ${child("annotations", "c.created_at, c.id")}, ${child("edits", "c.created_at, c.id")}
  FROM traces t WHERE t.id IN (SELECT value FROM json_each(?))`;
const SEGMENTS_SQL = "SELECT trace_id, json FROM segments WHERE trace_id IN (SELECT value FROM json_each(?)) ORDER BY trace_id, idx";

/**
 * Whole traces for an export, a batch of ids at a time: the same Trace as `TraceStore.get` (both
 * built by traceFromRow: same fields, same order of segments, events, annotations and edits),
 * read with one statement per batch instead of five per trace. Profiled on 3,000 bench traces
 * (node --cpu-prof), per-trace reads were half of the export's time: statement round trips and
 * (then) a second zod parse per row.
 * Ids no longer in the database are left out (a trace deleted while the export runs).
 */
export function loadTraces(db: Db, ids: readonly string[], now = Date.now()): Trace[] {
  return loadStoredTraces(db, ids).map((row) => storedTrace(row, now));
}

/** The stored rows of `loadTraces`, in the order of `ids` (those still in the database). */
export function loadStoredTraces(db: Db, ids: readonly string[]): StoredTrace[] {
  if (!ids.length) return [];
  const list = JSON.stringify(ids);
  const rows = db.prepare(BATCH_SQL).all(list) as Omit<StoredTrace, "segments">[];
  const byId = new Map<string, StoredTrace>(rows.map((r) => [r.id, { ...r, segments: [] }]));
  for (const [traceId, json] of db.prepare(SEGMENTS_SQL).raw().iterate(list) as IterableIterator<[string, string]>) byId.get(traceId)?.segments.push(json);
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/**
 * The Trace of a stored row (traceFromRow, as TraceStore.get builds it). `segments` given: those
 * are used instead of the row's (the export's fast path passes [] when it splices the stored
 * segment text itself).
 */
export function storedTrace(row: StoredTrace, now: number, segments?: readonly unknown[]): Trace {
  const list = (json: string | null): unknown[] => (json === null ? [] : (JSON.parse(`[${json}]`) as unknown[]));
  return traceFromRow(
    row,
    {
      segments: segments ?? row.segments.map((json) => JSON.parse(json) as unknown),
      events: list(row.events_json),
      annotations: list(row.annotations_json),
      edits: list(row.edits_json),
    },
    now,
  );
}
