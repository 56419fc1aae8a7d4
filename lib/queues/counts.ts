import "server-only";
import type { Db } from "@/lib/db";
import { holdsSql } from "./rows";

/**
 * A queue's counts in SQL (the list, the queue's summary, the annotator's header), so they stay
 * cheap on a queue of thousands of items; the researcher's page computes the full report
 * (report.ts) from the rows. Both follow the same rules: an assignment holds its item when done
 * or open under a live lease (even split: also assigned or skipped, and open whatever the lease).
 */

export function queueCounts(db: Db, queueId: string): { items: number; final: number; disagreements: number } {
  return db
    .prepare(
      `SELECT count(*) AS items, count(i.final) AS final,
         sum(CASE WHEN i.final IS NULL AND i.required >= 2
               AND (SELECT count(*) FROM queue_assignments a WHERE a.queue_id = i.queue_id AND a.item_idx = i.idx AND a.status = 'done') >= i.required
             THEN 1 ELSE 0 END) AS disagreements
       FROM queue_items i WHERE i.queue_id = ?`,
    )
    .get(queueId) as { items: number; final: number; disagreements: number | null } as { items: number; final: number; disagreements: number };
}

/** One annotator's done / held / remaining / skipped, as annotatorProgress (report.ts) counts them. */
export function annotatorCounts(db: Db, queueId: string, annotator: string, even: boolean, now: number) {
  // Every CASE branch is an integer: SQLite's comparisons are, PostgreSQL's are booleans that a
  // CASE refuses to mix with integers, so the comparison is cast (and @even compared, not used as one).
  const own = db
    .prepare(
      `SELECT
         sum(status = 'done') AS done,
         sum(status = 'skipped') AS skipped,
         sum(CASE WHEN status = 'done' THEN 1 WHEN status = 'open' THEN CAST((lease_until > @now OR @even = 1) AS INTEGER) WHEN status IN ('assigned', 'skipped') THEN @even ELSE 0 END) AS assigned,
         sum(status IN ('assigned', 'open', 'skipped')) AS open_rows
       FROM queue_assignments WHERE queue_id = @q AND annotator = @me`,
    )
    .get({ q: queueId, me: annotator, now, even: even ? 1 : 0 }) as { done: number | null; skipped: number | null; assigned: number | null; open_rows: number | null };
  let remaining = own.open_rows ?? 0;
  if (!even) {
    // Items they could still take: not done by them, and theirs now or with room left. One pass
    // over the items and their assignments (grouped), not a lookup per item. max() of a
    // comparison is cast to an integer (PostgreSQL has no max(boolean)).
    remaining = (
      db
        .prepare(
          `SELECT count(*) AS n FROM (
             SELECT i.required,
               coalesce(sum(a.annotator <> @me AND ${holdsSql("a")}), 0) AS others,
               coalesce(max(CAST((a.annotator = @me AND a.status = 'done') AS INTEGER)), 0) AS mine_done,
               coalesce(max(CAST((a.annotator = @me AND a.status = 'open' AND a.lease_until > @now) AS INTEGER)), 0) AS mine_live
             FROM queue_items i LEFT JOIN queue_assignments a ON a.queue_id = i.queue_id AND a.item_idx = i.idx
             WHERE i.queue_id = @q GROUP BY i.idx, i.required) AS per_item
           WHERE mine_done = 0 AND (mine_live = 1 OR others < required)`,
        )
        .get({ q: queueId, me: annotator, now }) as { n: number }
    ).n;
  }
  return { done: own.done ?? 0, assigned: own.assigned ?? 0, remaining, skipped: own.skipped ?? 0 };
}
