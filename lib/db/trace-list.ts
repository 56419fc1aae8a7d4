import "server-only";
import type { ReviewStatus, Trace, TraceListQuery, TraceStatus, TraceSummary } from "@/lib/protocol";
import { LIVE_STATUSES, LIVE_TIMEOUT_MS } from "./live-writes";
import type { Db } from "./sqlite";

/** The trace list: filters, full-text search, sort and paging over the traces table, and its row mapping. */

export interface TraceRow {
  id: string;
  problem_id: string;
  problem: string;
  parent_id: string | null;
  fork_at: string | null;
  config: string;
  status: TraceStatus;
  answer: string | null;
  verdict: Trace["verdict"] | null;
  review_status: ReviewStatus;
  review_note: string | null;
  review_author: string | null;
  review_at: number | null;
  model: string;
  policy: string;
  dataset: string | null;
  tags: string;
  hints_used: string;
  tool_calls: number;
  tokens: number;
  chars: number;
  version: number;
  created_at: number;
  updated_at: number;
}

export function effectiveStatus(status: TraceStatus, updatedAt: number, now = Date.now()): TraceStatus {
  return LIVE_STATUSES.has(status) && now - updatedAt > LIVE_TIMEOUT_MS ? "interrupted" : status;
}

/** The list's filters as SQL over `traces t` (shared by the list pages and the export's id scan). */
export function listWhere(q: Omit<TraceListQuery, "limit" | "offset" | "sort" | "order">, now = Date.now()): { where: string[]; params: Record<string, unknown> } {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  if (q.q?.trim()) {
    where.push("t.id IN (SELECT m.trace_id FROM trace_search s JOIN trace_search_map m ON m.rowid_ = s.rowid WHERE trace_search MATCH @q)");
    params.q = ftsQuery(q.q);
  }
  const equals: ["verdict" | "review" | "model" | "dataset", string][] = [
    ["verdict", "t.verdict"],
    ["review", "t.review_status"],
    ["model", "t.model"],
    ["dataset", "t.dataset"],
  ];
  for (const [key, column] of equals) {
    if (q[key] === undefined) continue;
    where.push(`${column} = @${key}`);
    params[key] = q[key];
  }
  if (q.hint) {
    where.push("(' ' || t.hints_used || ' ') LIKE @hint");
    params.hint = `% ${q.hint} %`;
  }
  if (q.tag) {
    where.push("EXISTS (SELECT 1 FROM json_each(t.tags) WHERE value = @tag)");
    params.tag = q.tag;
  }
  if (q.queue) {
    // Accepted in an annotation queue: its final version (lib/queues) says so.
    where.push("t.id IN (SELECT qi.trace_id FROM queue_items qi WHERE qi.queue_id = @queue AND qi.final_status = 'accepted')");
    params.queue = q.queue;
  }
  if (q.status) {
    if (q.status === "interrupted") {
      // Stored as interrupted (a tab handed it back, a dead owner's run was swept), or live
      // with a writer silent for too long.
      where.push("(t.status = 'interrupted' OR (t.status IN ('generating','paused','executing','idle') AND t.updated_at < @stale))");
      params.stale = now - LIVE_TIMEOUT_MS;
    } else {
      where.push("t.status = @status");
      params.status = q.status;
    }
  }
  return { where, params };
}

export function listTraces(db: Db, q: TraceListQuery, now = Date.now()): { items: TraceSummary[]; total: number } {
  const { where, params } = listWhere(q, now);
  const sortCol = { created: "t.created_at", updated: "t.updated_at", tokens: "t.tokens", tool_calls: "t.tool_calls", chars: "t.chars" }[q.sort];
  const order = q.order === "asc" ? "ASC" : "DESC";
  const whereSql = where.length ? `WHERE ${where.join(" AND ")}` : "";
  const total = (db.prepare(`SELECT count(*) AS n FROM traces t ${whereSql}`).get(params) as { n: number }).n;
  const rows = db
    .prepare(
      `SELECT t.id, substr(json_extract(t.problem, '$.statement'), 1, 300) AS statement, t.model, t.policy, t.hints_used, t.tool_calls, t.tokens, t.chars,
         t.status, t.verdict, t.review_status, t.dataset, t.tags, t.parent_id, t.fork_at, t.created_at, t.updated_at, t.version
       FROM traces t ${whereSql} ORDER BY ${sortCol} ${order}, t.id ${order} LIMIT @limit OFFSET @offset`,
    )
    .all({ ...params, limit: q.limit, offset: q.offset }) as (Omit<TraceRow, "problem"> & { statement: string })[];
  return {
    total,
    items: rows.map((r) => toSummary(r, r.statement, now)),
  };
}

/** Distinct values for the list's filter menus. */
export function traceFacets(db: Db): { models: string[]; datasets: string[]; hints: string[]; tags: string[]; queues: { id: string; name: string }[] } {
  const col = (sql: string) => (db.prepare(sql).all() as { v: string }[]).map((r) => r.v).filter(Boolean);
  const hints = new Set<string>();
  for (const h of col("SELECT DISTINCT hints_used AS v FROM traces")) for (const id of h.split(" ")) hints.add(id);
  return {
    models: col("SELECT DISTINCT model AS v FROM traces ORDER BY 1"),
    datasets: col("SELECT DISTINCT dataset AS v FROM traces WHERE dataset IS NOT NULL ORDER BY 1"),
    hints: [...hints].sort(),
    tags: col("SELECT DISTINCT j.value AS v FROM traces, json_each(traces.tags) j ORDER BY 1"),
    // The library's "accepted in queue" filter.
    queues: db.prepare("SELECT id, name FROM queues ORDER BY created_at DESC, id").all() as { id: string; name: string }[],
  };
}

/** A list row as the API shows it (one mapping for list() and summary()). */
export function toSummary(r: Omit<TraceRow, "problem">, statement: string, now: number): TraceSummary {
  return {
    id: r.id,
    problemStatement: statement,
    model: r.model,
    policy: r.policy,
    hintsUsed: r.hints_used ? r.hints_used.split(" ") : [],
    toolCalls: r.tool_calls,
    tokens: r.tokens,
    chars: r.chars,
    status: effectiveStatus(r.status, r.updated_at, now),
    ...(r.verdict ? { verdict: r.verdict } : {}),
    reviewStatus: r.review_status,
    ...(r.dataset ? { dataset: r.dataset } : {}),
    tags: JSON.parse(r.tags) as string[],
    ...(r.parent_id ? { parentId: r.parent_id } : {}),
    ...(r.fork_at ? { forkAt: JSON.parse(r.fork_at) as TraceSummary["forkAt"] } : {}),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
  };
}

/** User text to an FTS5 query: every word must occur (prefix match on the last), quotes escaped. */
export function ftsQuery(q: string): string {
  const words = q.match(/[\p{L}\p{N}_]+/gu) ?? [];
  if (!words.length) return '""';
  return words.map((w, i) => `"${w.replace(/"/g, '""')}"${i === words.length - 1 ? "*" : ""}`).join(" ");
}
