import "server-only";
import { randomUUID } from "node:crypto";
import {
  AppError,
  type Annotation,
  type AssignmentView,
  type Edit,
  type NextAnswer,
  type QueueSpec,
  type ReviewStatus,
  type Segment,
  type Trace,
} from "@/lib/protocol";
import { annotationDetail, checkEdit, checkSpan, editDetail, quote, recordActivity, TraceStore, type Db } from "@/lib/db";
import { annotatorCounts } from "./counts";
import { assignmentRow, holds, holdsSql, itemAssignments, itemRow, queueRow, queueSpec, toAssignment, type AssignmentRow } from "./rows";
import { QueueStore } from "./store";

const MINUTE = 60_000;

/**
 * The annotator's side of a queue. "Next" resumes the annotator's open item, else takes their
 * next one (even split: theirs, then an unopened one of someone else's, then the ones they
 * skipped; claim: the first item that still needs an annotator, skipped ones last) and leases it
 * for the queue's lease time; the page renews the lease while it is open. A lease that runs out
 * returns the item: in claim mode another annotator may take it (the first one's work is kept as
 * `expired` and no longer counts). Writes go to the annotator's own assignment, never to the
 * trace, on its version (a stale one is refused with a conflict, as on traces); setting the
 * review marks the assignment done and recomputes the item's final version.
 */
export class QueueWork {
  constructor(private readonly db: Db) {}

  next(queueId: string, annotator: string, now = Date.now()): NextAnswer {
    return this.db.transaction((): NextAnswer => {
      const q = queueRow(this.db, queueId);
      const { spec } = queueSpec(q);
      if (!spec.annotators.includes(annotator)) throw new AppError("forbidden", `you (${annotator}) are not an annotator of queue "${q.name}"`);
      const mine = this.db.prepare("SELECT * FROM queue_assignments WHERE queue_id = ? AND annotator = ? ORDER BY item_idx").all(queueId, annotator) as AssignmentRow[];
      const even = spec.assignment === "even";
      const resume = mine.find((a) => a.status === "open" && ((a.lease_until ?? 0) > now || even));
      if (resume) return { assignment: this.lease(queueId, resume, spec.leaseMinutes, now) };
      let chosen: AssignmentRow | undefined;
      if (even) {
        chosen = mine.find((a) => a.status === "assigned") ?? this.takeOver(queueId, annotator, now) ?? mine.find((a) => a.status === "skipped");
      } else {
        chosen = this.claim(queueId, mine, annotator, now);
      }
      if (!chosen) {
        const left = this.db.prepare("SELECT 1 FROM queue_items WHERE queue_id = ? AND final IS NULL LIMIT 1").get(queueId) !== undefined;
        return { done: true, message: left ? "Nothing more for you in this queue now: the items left are held by others." : "This queue is done: every item has its reviews." };
      }
      return { assignment: this.lease(queueId, chosen, spec.leaseMinutes, now) };
    })();
  }

  /** The assignment with its queue and the annotator's progress. */
  view(queueId: string, id: string, viewer: { name: string; researcher: boolean }, now = Date.now()): AssignmentView {
    const q = queueRow(this.db, queueId);
    const { spec } = queueSpec(q);
    const row = this.readable(queueId, id, viewer);
    const item = itemRow(this.db, queueId, row.item_idx);
    const mine = annotatorCounts(this.db, queueId, row.annotator, spec.assignment === "even", now);
    const readOnly =
      row.annotator !== viewer.name
        ? `This is ${row.annotator}'s work; only they can change it.`
        : row.status === "expired"
          ? "Your lease on this item ran out and another annotator took it. Your work is kept, but it no longer counts."
          : undefined;
    return {
      assignment: toAssignment(row, item.trace_id),
      queue: { id: q.id, name: q.name, instructions: spec.instructions, labels: spec.labels, leaseMinutes: spec.leaseMinutes },
      mine,
      ...(readOnly ? { readOnly } : {}),
    };
  }

  /** The trace as this assignment sees it: the annotator's own review, marks and edits, on the assignment's version. */
  trace(queueId: string, id: string, viewer: { name: string; researcher: boolean }, now = Date.now()): Trace {
    const row = this.readable(queueId, id, viewer);
    const item = itemRow(this.db, queueId, row.item_idx);
    const trace = new TraceStore(this.db).get(item.trace_id, now);
    const { work, version } = toAssignment(row, item.trace_id);
    return {
      ...trace,
      review: { status: work.review, ...(work.note ? { note: work.note } : {}), author: row.annotator, ...(row.done_at ? { at: row.done_at } : {}) },
      annotations: work.annotations,
      edits: work.edits,
      version,
    };
  }

  /** The page renews its lease while the item is open. */
  renew(queueId: string, id: string, annotator: string, now = Date.now()): { leaseUntil: number } {
    return this.db.transaction(() => {
      const { row, spec } = this.writable(queueId, id, annotator, now);
      const a = this.lease(queueId, row, spec.leaseMinutes, now);
      return { leaseUntil: a.leaseUntil ?? now };
    })();
  }

  skip(queueId: string, id: string, annotator: string, now = Date.now()): void {
    this.db.transaction(() => {
      const { row } = this.writable(queueId, id, annotator, now);
      if (row.status === "done") throw new AppError("conflict", "this item is already reviewed; change the review instead of skipping it");
      this.db
        .prepare("UPDATE queue_assignments SET status = 'skipped', skips = skips + 1, active_ms = ?, lease_until = NULL, leased_at = NULL, updated_at = ? WHERE id = ?")
        .run(row.active_ms + this.openFor(row, now), now, id);
      recordActivity(this.db, this.traceId(queueId, row), { author: annotator, kind: "queue-skip", queueId, detail: { item: row.item_idx, assignment: id } }, now);
    })();
  }

  setReview(queueId: string, id: string, b: { annotator: string; baseVersion: number; status: ReviewStatus; note?: string }, now = Date.now()) {
    return this.based(queueId, id, b.annotator, b.baseVersion, now, (row, _segments, traceId) => {
      const done = b.status !== "unreviewed";
      this.db
        .prepare(
          `UPDATE queue_assignments SET review_status = ?, review_note = ?, status = ?, done_at = ?, active_ms = ?, lease_until = ?, leased_at = ? WHERE id = ?`,
        )
        .run(
          b.status,
          b.note ?? null,
          done ? "done" : "open",
          done ? now : null,
          row.active_ms + (done ? this.openFor(row, now) : 0),
          done ? null : row.lease_until,
          done ? null : row.leased_at,
          id,
        );
      recordActivity(this.db, traceId, { author: b.annotator, kind: "queue-review", queueId, detail: { item: row.item_idx, status: b.status, ...(b.note ? { note: quote(b.note) } : {}) } }, now);
      new QueueStore(this.db).refreshFinal(queueId, row.item_idx, now);
    });
  }

  addAnnotation(queueId: string, id: string, b: { annotator: string; baseVersion: number; annotation: Omit<Annotation, "id" | "author" | "createdAt"> }, now = Date.now()) {
    return this.based(queueId, id, b.annotator, b.baseVersion, now, (row, segments, traceId) => {
      const segment = checkSpan(segments, b.annotation);
      const a: Annotation = { ...b.annotation, id: randomUUID(), author: b.annotator, createdAt: now };
      const list = [...(JSON.parse(row.annotations) as Annotation[]), a];
      this.db.prepare("UPDATE queue_assignments SET annotations = ? WHERE id = ?").run(JSON.stringify(list), id);
      recordActivity(this.db, traceId, { author: b.annotator, kind: "annotation-added", queueId, detail: annotationDetail(a, segment.text) }, now);
      return a;
    });
  }

  removeAnnotation(queueId: string, id: string, annotationId: string, b: { annotator: string; baseVersion: number }, now = Date.now()) {
    return this.based(queueId, id, b.annotator, b.baseVersion, now, (row, segments, traceId) => {
      const list = JSON.parse(row.annotations) as Annotation[];
      const gone = list.find((a) => a.id === annotationId);
      if (!gone) throw new AppError("not-found", `mark ${annotationId} is not in your work on this item`);
      this.db.prepare("UPDATE queue_assignments SET annotations = ? WHERE id = ?").run(JSON.stringify(list.filter((a) => a.id !== annotationId)), id);
      recordActivity(this.db, traceId, { author: b.annotator, kind: "annotation-removed", queueId, detail: annotationDetail(gone, segments[gone.segment]?.text ?? "") }, now);
    });
  }

  /** An edit of model text; the original is read from the trace, never trusted from the client. */
  addEdit(queueId: string, id: string, b: { annotator: string; baseVersion: number; edit: Omit<Edit, "id" | "author" | "createdAt" | "original"> }, now = Date.now()) {
    return this.based(queueId, id, b.annotator, b.baseVersion, now, (row, segments, traceId) => {
      const list = JSON.parse(row.edits) as Edit[];
      const segment = checkEdit(segments, list, b.edit);
      const e: Edit = { ...b.edit, original: segment.text.slice(b.edit.start, b.edit.end), id: randomUUID(), author: b.annotator, createdAt: now };
      this.db.prepare("UPDATE queue_assignments SET edits = ? WHERE id = ?").run(JSON.stringify([...list, e]), id);
      recordActivity(this.db, traceId, { author: b.annotator, kind: "edit-added", queueId, detail: editDetail(e) }, now);
      return e;
    });
  }

  removeEdit(queueId: string, id: string, editId: string, b: { annotator: string; baseVersion: number }, now = Date.now()) {
    return this.based(queueId, id, b.annotator, b.baseVersion, now, (row, _segments, traceId) => {
      const list = JSON.parse(row.edits) as Edit[];
      const gone = list.find((e) => e.id === editId);
      if (!gone) throw new AppError("not-found", `edit ${editId} is not in your work on this item`);
      this.db.prepare("UPDATE queue_assignments SET edits = ? WHERE id = ?").run(JSON.stringify(list.filter((e) => e.id !== editId)), id);
      recordActivity(this.db, traceId, { author: b.annotator, kind: "edit-removed", queueId, detail: editDetail(gone) }, now);
      new QueueStore(this.db).refreshFinal(queueId, row.item_idx, now);
    });
  }

  // --- internals ---

  /** A write on the annotator's assignment at `baseVersion`: bumps the version and renews the lease. */
  private based<T>(queueId: string, id: string, annotator: string, baseVersion: number, now: number, write: (row: AssignmentRow, segments: Segment[], traceId: string) => T) {
    return this.db.transaction(() => {
      const { row, spec } = this.writable(queueId, id, annotator, now);
      if (row.version !== baseVersion) {
        throw new AppError("conflict", `Your work on this item changed since you opened it (your version ${baseVersion}, now ${row.version}), probably in another tab. Reload it, then apply your change again.`, undefined, "stale-write");
      }
      const leased = row.status === "done" ? row : this.leaseInPlace(row, spec.leaseMinutes, now);
      const traceId = this.traceId(queueId, row);
      const result = write(leased, new TraceStore(this.db).segments(traceId), traceId);
      const version = row.version + 1;
      this.db.prepare("UPDATE queue_assignments SET version = ?, updated_at = ? WHERE id = ?").run(version, now, id);
      return { version, result };
    })();
  }

  private readable(queueId: string, id: string, viewer: { name: string; researcher: boolean }): AssignmentRow {
    const row = assignmentRow(this.db, queueId, id);
    if (row.annotator !== viewer.name && !viewer.researcher) throw new AppError("forbidden", `this item is ${row.annotator}'s, not yours`);
    return row;
  }

  /**
   * The annotator's own assignment, if they may still write to it. In claim mode an item whose
   * lease ran out while others filled its places is theirs no more (the row becomes `expired`).
   */
  private writable(queueId: string, id: string, annotator: string, now: number): { row: AssignmentRow; spec: QueueSpec } {
    const row = assignmentRow(this.db, queueId, id);
    if (row.annotator !== annotator) throw new AppError("forbidden", `this item is ${row.annotator}'s; open your own from the queue`);
    const expired = () => new AppError("conflict", "Your lease on this item ran out and another annotator took it. Your work is kept, but it no longer counts; press Next for another item.", undefined, "lease-lost");
    if (row.status === "expired") throw expired();
    const { spec } = queueSpec(queueRow(this.db, queueId));
    if (spec.assignment === "claim" && row.status !== "done" && !holds(row, false, now)) {
      const item = itemRow(this.db, queueId, row.item_idx);
      const others = itemAssignments(this.db, queueId, row.item_idx).filter((a) => a.id !== row.id && holds(a, false, now)).length;
      if (others >= item.required) {
        this.db.prepare("UPDATE queue_assignments SET status = 'expired', updated_at = ? WHERE id = ?").run(now, row.id);
        throw expired();
      }
    }
    return { row, spec };
  }

  /**
   * Claim mode: the first item (in queue order) without a final version that others do not fill
   * (done, or open under a live lease) and that the annotator has neither done nor skipped; else
   * the first they skipped that still has room. Their earlier row on it (a lapsed lease) is reused,
   * with its work. One indexed query each, so "Next" stays fast on a queue of thousands of items.
   */
  private claim(queueId: string, mine: AssignmentRow[], annotator: string, now: number): AssignmentRow | undefined {
    const holders = `(SELECT count(*) FROM queue_assignments a WHERE a.queue_id = i.queue_id AND a.item_idx = i.idx AND a.annotator <> @me AND ${holdsSql("a")})`;
    const pick = (this.db
      .prepare(
        `SELECT i.idx, i.required FROM queue_items i WHERE i.queue_id = @q AND i.final IS NULL AND ${holders} < i.required
           AND NOT EXISTS (SELECT 1 FROM queue_assignments m WHERE m.queue_id = i.queue_id AND m.item_idx = i.idx AND m.annotator = @me AND m.status IN ('done', 'skipped'))
         ORDER BY i.idx LIMIT 1`,
      )
      .get({ q: queueId, me: annotator, now }) ??
      this.db
        .prepare(
          `SELECT i.idx, i.required FROM queue_items i WHERE i.queue_id = @q AND i.final IS NULL AND ${holders} < i.required
             AND EXISTS (SELECT 1 FROM queue_assignments m WHERE m.queue_id = i.queue_id AND m.item_idx = i.idx AND m.annotator = @me AND m.status = 'skipped')
           ORDER BY i.idx LIMIT 1`,
        )
        .get({ q: queueId, me: annotator, now })) as { idx: number; required: number } | undefined;
    if (!pick) return undefined;
    let row = mine.find((a) => a.item_idx === pick.idx);
    if (!row) {
      const newId = randomUUID();
      this.db.prepare("INSERT INTO queue_assignments (id, queue_id, item_idx, annotator, status, created_at, updated_at) VALUES (?, ?, ?, ?, 'assigned', ?, ?)").run(newId, queueId, pick.idx, annotator, now, now);
      row = assignmentRow(this.db, queueId, newId);
    }
    // The places are full with this claim: others' lapsed leases on the item end here.
    const others = itemAssignments(this.db, queueId, pick.idx).filter((a) => a.annotator !== annotator);
    if (others.filter((a) => holds(a, false, now)).length + 1 >= pick.required) {
      for (const a of others) if (a.status === "open" && !holds(a, false, now)) this.db.prepare("UPDATE queue_assignments SET status = 'expired', updated_at = ? WHERE id = ?").run(now, a.id);
    }
    return row;
  }

  /** Even mode: an item nobody has opened yet moves from its annotator to one who has run out of their own. */
  private takeOver(queueId: string, annotator: string, now: number): AssignmentRow | undefined {
    const row = this.db
      .prepare(
        `SELECT * FROM queue_assignments a WHERE a.queue_id = @q AND a.annotator <> @me AND a.status = 'assigned'
           AND NOT EXISTS (SELECT 1 FROM queue_assignments m WHERE m.queue_id = a.queue_id AND m.item_idx = a.item_idx AND m.annotator = @me)
         ORDER BY a.item_idx LIMIT 1`,
      )
      .get({ q: queueId, me: annotator }) as AssignmentRow | undefined;
    if (!row) return undefined;
    this.db.prepare("UPDATE queue_assignments SET annotator = ?, updated_at = ? WHERE id = ? AND status = 'assigned'").run(annotator, now, row.id);
    return { ...row, annotator };
  }

  private leaseRow(row: AssignmentRow, minutes: number, now: number) {
    const live = row.status === "open" && (row.lease_until ?? 0) > now && row.leased_at !== null;
    return {
      status: "open" as const,
      lease_until: now + minutes * MINUTE,
      leased_at: live ? row.leased_at : now,
      opened_at: row.opened_at ?? now,
      // A lapsed lease counts up to its last sign of life (the last renewal or write).
      active_ms: row.active_ms + (!live && row.leased_at !== null ? Math.max(0, Math.min(row.updated_at, row.lease_until ?? row.updated_at) - row.leased_at) : 0),
    };
  }

  /** Lease (or renew) the assignment: stored, and the row as it is now. */
  private leaseInPlace(row: AssignmentRow, minutes: number, now: number): AssignmentRow {
    const l = this.leaseRow(row, minutes, now);
    this.db
      .prepare("UPDATE queue_assignments SET status = ?, lease_until = ?, leased_at = ?, opened_at = ?, active_ms = ?, updated_at = ? WHERE id = ?")
      .run(l.status, l.lease_until, l.leased_at, l.opened_at, l.active_ms, now, row.id);
    return { ...row, ...l, updated_at: now };
  }

  private lease(queueId: string, row: AssignmentRow, minutes: number, now: number) {
    return toAssignment(row.status === "done" ? row : this.leaseInPlace(row, minutes, now), this.traceId(queueId, row));
  }

  /** Time since the lease began, up to its end. */
  private openFor(row: AssignmentRow, now: number): number {
    if (row.leased_at === null) return 0;
    return Math.max(0, Math.min(now, row.lease_until ?? now) - row.leased_at);
  }

  private traceId(queueId: string, row: AssignmentRow): string {
    return itemRow(this.db, queueId, row.item_idx).trace_id;
  }
}
