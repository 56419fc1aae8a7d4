import "server-only";
import { TraceSchema, type Trace } from "@/lib/protocol";
import type { Db } from "./sqlite";
import { effectiveStatus, type TraceRow } from "./trace-list";

/**
 * Whole traces for an export, a batch of ids at a time: the same Trace as `TraceStore.get` (same
 * fields, same order of segments, events, annotations and edits), read with five queries per
 * batch instead of five per trace, and validated once (TraceSchema) instead of once per row
 * schema and again as a whole. Profiled on 3,000 bench traces (node --cpu-prof), per-trace
 * reads were half of the export's time: statement round trips and the double zod parse.
 * Ids no longer in the database are left out (a trace deleted while the export runs).
 */
export function loadTraces(db: Db, ids: readonly string[], now = Date.now()): Trace[] {
  if (!ids.length) return [];
  const list = JSON.stringify(ids);
  const q = (sql: string) => db.prepare(sql).all(list) as { trace_id: string; json: string }[];
  const rows = db.prepare("SELECT * FROM traces WHERE id IN (SELECT value FROM json_each(?))").all(list) as TraceRow[];
  const group = (sql: string) => {
    const by = new Map<string, unknown[]>();
    for (const r of q(sql)) {
      let a = by.get(r.trace_id);
      if (!a) by.set(r.trace_id, (a = []));
      a.push(JSON.parse(r.json));
    }
    return by;
  };
  // The ORDER BYs are TraceStore's (segments and events by index; marks and edits oldest first, then id).
  const segments = group("SELECT trace_id, json FROM segments WHERE trace_id IN (SELECT value FROM json_each(?)) ORDER BY trace_id, idx");
  const events = group("SELECT trace_id, json FROM events WHERE trace_id IN (SELECT value FROM json_each(?)) ORDER BY trace_id, idx");
  const annotations = group("SELECT trace_id, json FROM annotations WHERE trace_id IN (SELECT value FROM json_each(?)) ORDER BY trace_id, created_at, id");
  const edits = group("SELECT trace_id, json FROM edits WHERE trace_id IN (SELECT value FROM json_each(?)) ORDER BY trace_id, created_at, id");
  const byId = new Map(rows.map((r) => [r.id, r]));
  const out: Trace[] = [];
  for (const id of ids) {
    const row = byId.get(id);
    if (!row) continue;
    out.push(
      TraceSchema.parse({
        id: row.id,
        problem: JSON.parse(row.problem),
        ...(row.parent_id ? { parentId: row.parent_id } : {}),
        ...(row.fork_at ? { forkAt: JSON.parse(row.fork_at) } : {}),
        config: JSON.parse(row.config),
        segments: segments.get(id) ?? [],
        events: events.get(id) ?? [],
        status: effectiveStatus(row.status, row.updated_at, now),
        ...(row.answer !== null ? { answer: row.answer } : {}),
        ...(row.verdict ? { verdict: row.verdict } : {}),
        review: {
          status: row.review_status,
          ...(row.review_note ? { note: row.review_note } : {}),
          ...(row.review_author ? { author: row.review_author } : {}),
          ...(row.review_at ? { at: row.review_at } : {}),
        },
        annotations: annotations.get(id) ?? [],
        edits: edits.get(id) ?? [],
        ...(row.dataset ? { dataset: row.dataset } : {}),
        tags: JSON.parse(row.tags) as string[],
        version: row.version,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      }),
    );
  }
  return out;
}
