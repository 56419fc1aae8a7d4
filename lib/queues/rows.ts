import "server-only";
import {
  AnnotationSchema,
  AppError,
  CreateQueueBodySchema,
  EditSchema,
  FinalVersionSchema,
  type Assignment,
  type AssignmentStatus,
  type CreateQueueBody,
  type FinalVersion,
  type ReviewStatus,
} from "@/lib/protocol";
import type { Db } from "@/lib/db";
import type { DoneWork } from "./final";

/** Rows of the queue tables (migration 9) and their conversion to protocol objects. */

export interface QueueRow {
  id: string;
  name: string;
  spec: string;
  created_by: string;
  created_at: number;
  updated_at: number;
}

export interface ItemRow {
  queue_id: string;
  idx: number;
  trace_id: string;
  required: number;
  final_status: ReviewStatus | null;
  final: string | null;
  final_by: string | null;
  final_at: number | null;
}

export interface AssignmentRow {
  id: string;
  queue_id: string;
  item_idx: number;
  annotator: string;
  status: AssignmentStatus;
  lease_until: number | null;
  leased_at: number | null;
  opened_at: number | null;
  done_at: number | null;
  active_ms: number;
  skips: number;
  review_status: ReviewStatus;
  review_note: string | null;
  annotations: string;
  edits: string;
  version: number;
  created_at: number;
  updated_at: number;
}

export function queueRow(db: Db, id: string): QueueRow {
  const row = db.prepare("SELECT * FROM queues WHERE id = ?").get(id) as QueueRow | undefined;
  if (!row) throw new AppError("not-found", `no annotation queue with id ${id}`);
  return row;
}

/** The queue's spec and source as created. */
export function queueSpec(row: QueueRow): CreateQueueBody {
  return CreateQueueBodySchema.parse(JSON.parse(row.spec));
}

export function itemRows(db: Db, queueId: string): ItemRow[] {
  return db.prepare("SELECT * FROM queue_items WHERE queue_id = ? ORDER BY idx").all(queueId) as ItemRow[];
}

export function itemRow(db: Db, queueId: string, idx: number): ItemRow {
  const row = db.prepare("SELECT * FROM queue_items WHERE queue_id = ? AND idx = ?").get(queueId, idx) as ItemRow | undefined;
  if (!row) throw new AppError("not-found", `queue ${queueId} has no item ${idx}`);
  return row;
}

export function assignmentRows(db: Db, queueId: string): AssignmentRow[] {
  return db.prepare("SELECT * FROM queue_assignments WHERE queue_id = ? ORDER BY item_idx, created_at, id").all(queueId) as AssignmentRow[];
}

export function itemAssignments(db: Db, queueId: string, idx: number): AssignmentRow[] {
  return db.prepare("SELECT * FROM queue_assignments WHERE queue_id = ? AND item_idx = ? ORDER BY created_at, id").all(queueId, idx) as AssignmentRow[];
}

export function assignmentRow(db: Db, queueId: string, id: string): AssignmentRow {
  const row = db.prepare("SELECT * FROM queue_assignments WHERE id = ? AND queue_id = ?").get(id, queueId) as AssignmentRow | undefined;
  if (!row) throw new AppError("not-found", `queue ${queueId} has no assignment ${id}`);
  return row;
}

export function toAssignment(row: AssignmentRow, traceId: string): Assignment {
  return {
    id: row.id,
    queueId: row.queue_id,
    item: row.item_idx,
    traceId,
    annotator: row.annotator,
    status: row.status,
    ...(row.lease_until !== null ? { leaseUntil: row.lease_until } : {}),
    ...(row.opened_at !== null ? { openedAt: row.opened_at } : {}),
    ...(row.done_at !== null ? { doneAt: row.done_at } : {}),
    activeMs: row.active_ms,
    skips: row.skips,
    version: row.version,
    work: {
      review: row.review_status,
      ...(row.review_note ? { note: row.review_note } : {}),
      annotations: (JSON.parse(row.annotations) as unknown[]).map((a) => AnnotationSchema.parse(a)),
      edits: (JSON.parse(row.edits) as unknown[]).map((e) => EditSchema.parse(e)),
    },
  };
}

export function toDoneWork(row: AssignmentRow, traceId: string): DoneWork {
  return { annotator: row.annotator, work: toAssignment(row, traceId).work, doneAt: row.done_at ?? row.updated_at };
}

export function finalOf(row: ItemRow): FinalVersion | undefined {
  return row.final ? FinalVersionSchema.parse(JSON.parse(row.final)) : undefined;
}

/**
 * Whether an assignment holds its item now: done, or open under a live lease; in even mode an
 * item assigned (not yet opened) or skipped stays its annotator's too.
 */
export function holds(row: AssignmentRow, even: boolean, now: number): boolean {
  if (row.status === "done") return true;
  if (row.status === "open") return (row.lease_until ?? 0) > now || even;
  if (row.status === "assigned" || row.status === "skipped") return even;
  return false;
}

/** `holds` in claim mode, as SQL on the assignment row `a` (parameter `@now`), for the queries that count holders. */
export const holdsSql = (a: string) => `(${a}.status = 'done' OR (${a}.status = 'open' AND ${a}.lease_until > @now))`;
