import "server-only";
import type { AnnotatorProgress, CreateQueueBody, Disagreement } from "@/lib/protocol";
import { queueAgreement } from "./agreement";
import { worksAgree } from "./final";
import { finalOf, holds, toDoneWork, type AssignmentRow, type ItemRow, type QueueRow } from "./rows";

/** A queue read whole (one query per table) for its progress, agreement and disagreements. */
export interface QueueData {
  row: QueueRow;
  body: CreateQueueBody;
  items: ItemRow[];
  assignments: AssignmentRow[];
}

function byItem(data: QueueData): Map<number, AssignmentRow[]> {
  const m = new Map<number, AssignmentRow[]>();
  for (const a of data.assignments) {
    const list = m.get(a.item_idx) ?? [];
    list.push(a);
    m.set(a.item_idx, list);
  }
  return m;
}

/** The done works an item's agreement and final version are computed from: the first `required`, by time done. */
function decided(rows: readonly AssignmentRow[], required: number): AssignmentRow[] {
  return rows
    .filter((a) => a.status === "done")
    .sort((a, b) => (a.done_at ?? 0) - (b.done_at ?? 0))
    .slice(0, required);
}

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Per annotator: done, held (done, open, and in even mode assigned or skipped), remaining (even:
 * theirs not done; claim: items that still need someone and that they have not done), skipped,
 * open under a lease, and time per done item (time open, summed over leases).
 */
export function annotatorProgress(data: QueueData, now: number): AnnotatorProgress[] {
  const even = data.body.spec.assignment === "even";
  const names = [...data.body.spec.annotators];
  for (const a of data.assignments) if (!names.includes(a.annotator)) names.push(a.annotator);
  const items = byItem(data);
  return names.map((annotator) => {
    const mine = data.assignments.filter((a) => a.annotator === annotator);
    const done = mine.filter((a) => a.status === "done");
    const times = done.map((a) => a.active_ms);
    let remaining: number;
    if (even) remaining = mine.filter((a) => a.status === "assigned" || a.status === "open" || a.status === "skipped").length;
    else {
      remaining = 0;
      for (const item of data.items) {
        const rows = items.get(item.idx) ?? [];
        if (rows.some((a) => a.annotator === annotator && a.status === "done")) continue;
        const mineHolding = rows.some((a) => a.annotator === annotator && holds(a, false, now));
        const others = rows.filter((a) => a.annotator !== annotator && holds(a, false, now)).length;
        if (mineHolding || others < item.required) remaining++;
      }
    }
    return {
      annotator,
      done: done.length,
      assigned: mine.filter((a) => holds(a, even, now)).length,
      remaining,
      skipped: mine.filter((a) => a.status === "skipped").length,
      inProgress: mine.filter((a) => a.status === "open" && (a.lease_until ?? 0) > now).length,
      ...(times.length ? { medianMs: median(times)!, meanMs: times.reduce((x, y) => x + y, 0) / times.length } : {}),
    };
  });
}

/** Agreement on the overlapping items every one of whose annotators has decided. */
export function queueAgreementOf(data: QueueData) {
  const items = byItem(data);
  const rated = [];
  for (const item of data.items) {
    if (item.required < 2) continue;
    const rows = decided(items.get(item.idx) ?? [], item.required);
    if (rows.length < item.required) continue;
    const raters = rows.map((a) => {
      const w = toDoneWork(a, item.trace_id);
      return { annotator: a.annotator, review: w.work.review, annotations: w.work.annotations };
    });
    raters.sort((x, y) => (x.annotator < y.annotator ? -1 : x.annotator > y.annotator ? 1 : 0));
    rated.push({ raters });
  }
  return queueAgreement(rated, data.body.spec.labels);
}

/** Overlapping items whose annotators have all decided and disagree (decision or edits), adjudicated or not. */
export function disagreementList(data: QueueData, problemOf: (traceId: string) => string): Disagreement[] {
  const items = byItem(data);
  const out: Disagreement[] = [];
  for (const item of data.items) {
    if (item.required < 2) continue;
    const rows = decided(items.get(item.idx) ?? [], item.required);
    if (rows.length < item.required) continue;
    const works = rows.map((a) => toDoneWork(a, item.trace_id));
    if (worksAgree(works)) continue;
    out.push({
      item: item.idx,
      traceId: item.trace_id,
      problem: problemOf(item.trace_id),
      decisions: works.map((w) => ({ annotator: w.annotator, review: w.work.review, edits: w.work.edits.length, annotations: w.work.annotations.length })),
      adjudicated: finalOf(item)?.how === "adjudicated",
    });
  }
  return out;
}
