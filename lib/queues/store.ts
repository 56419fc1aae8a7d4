import "server-only";
import { randomUUID } from "node:crypto";
import {
  AppError,
  MAX_QUEUE_ITEMS,
  type AdjudicateBody,
  type CreateQueueBody,
  type FinalVersion,
  type QueueDetail,
  type QueueItemView,
  type QueueSummary,
  type Trace,
  type TraceListQuery,
} from "@/lib/protocol";
import { recordActivity, TraceStore, type Db } from "@/lib/db";
import { evenSplit, requiredPerItem } from "./assign";
import { adjudicate, automaticFinal } from "./final";
import { annotatorCounts, queueCounts } from "./counts";
import { annotatorProgress, disagreementList, queueAgreementOf, type QueueData } from "./report";
import { assignmentRows, finalOf, itemAssignments, itemRow, itemRows, queueRow, queueSpec, toAssignment, toDoneWork, type QueueRow } from "./rows";

/** Who is asking: queues are shown to researchers, and to annotators they list. */
export interface Viewer {
  name: string;
  researcher: boolean;
}

/**
 * Annotation queues: creation from a trace filter or a Hint-RFT selection (a snapshot of the
 * matching traces, oldest first), the researcher's view (progress, agreement, disagreements),
 * adjudication, and the final versions exports use. The annotator's side (next, leases, their
 * writes) is in work.ts.
 */
export class QueueStore {
  constructor(private readonly db: Db) {}

  /** `known`: the account names that may annotate (the route reads them from the accounts). */
  create(body: CreateQueueBody, createdBy: string, known: ReadonlySet<string>, now = Date.now()): QueueSummary {
    const unknown = body.spec.annotators.filter((a) => !known.has(a));
    if (unknown.length) throw new AppError("bad-request", `no account named ${unknown.map((u) => `"${u}"`).join(", ")}; add the account first (Settings → Accounts) or remove it from the annotators`);
    const traceIds = this.select(body);
    if (traceIds.length === 0) throw new AppError("bad-request", body.source.type === "rft" ? `experiment ${body.source.experimentId} has no Hint-RFT selection (no trace is tagged rft:${body.source.experimentId}); run the selection on its page first` : "the filter matches no traces; widen it and try again");
    const { spec } = body;
    const required = requiredPerItem(traceIds.length, spec.perItem, spec.overlapShare, spec.seed);
    const split = spec.assignment === "even" ? evenSplit(required, spec.annotators) : undefined;
    const id = randomUUID();
    this.db.transaction(() => {
      this.db.prepare("INSERT INTO queues (id, name, spec, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)").run(id, spec.name, JSON.stringify(body), createdBy, now, now);
      const item = this.db.prepare("INSERT INTO queue_items (queue_id, idx, trace_id, required) VALUES (?, ?, ?, ?)");
      const assign = this.db.prepare(
        "INSERT INTO queue_assignments (id, queue_id, item_idx, annotator, status, created_at, updated_at) VALUES (?, ?, ?, ?, 'assigned', ?, ?)",
      );
      traceIds.forEach((traceId, idx) => {
        item.run(id, idx, traceId, required[idx]);
        for (const a of split?.[idx] ?? []) assign.run(randomUUID(), id, idx, a, now, now);
      });
    })();
    return this.summary(id, { name: createdBy, researcher: true });
  }

  /** The traces a source selects now, oldest first. */
  private select(body: CreateQueueBody): string[] {
    const filter: Omit<TraceListQuery, "limit" | "offset" | "sort" | "order"> =
      body.source.type === "rft" ? { tag: `rft:${body.source.experimentId}` } : body.source.filter;
    const ids: string[] = [];
    for (const traceId of new TraceStore(this.db).iterateIds(filter, 500)) {
      ids.push(traceId);
      if (ids.length > MAX_QUEUE_ITEMS) throw new AppError("bad-request", `the selection has more than ${MAX_QUEUE_ITEMS} traces; narrow the filter (a queue takes at most ${MAX_QUEUE_ITEMS})`);
    }
    return ids;
  }

  list(viewer: Viewer): QueueSummary[] {
    const rows = this.db.prepare("SELECT * FROM queues ORDER BY created_at DESC, id").all() as QueueRow[];
    return rows
      .filter((r) => viewer.researcher || queueSpec(r).spec.annotators.includes(viewer.name))
      .map((r) => this.summaryOf(r, viewer));
  }

  summary(id: string, viewer: Viewer): QueueSummary {
    return this.summaryOf(this.visible(id, viewer), viewer);
  }

  /** The researcher's page: progress per annotator, agreement, the disagreements. */
  detail(id: string, now = Date.now()): QueueDetail {
    const data = this.data(queueRow(this.db, id));
    const list = disagreementList(data, (traceId) => this.problemOf(traceId));
    return {
      ...this.summaryOf(data.row, { name: "", researcher: true }),
      progress: annotatorProgress(data, now),
      agreement: queueAgreementOf(data),
      disagreementList: list,
    };
  }

  /** An item with every annotator's work, for adjudication. */
  item(id: string, idx: number, now = Date.now()): QueueItemView {
    queueRow(this.db, id);
    const item = itemRow(this.db, id, idx);
    const final = finalOf(item);
    return {
      queueId: id,
      item: idx,
      required: item.required,
      trace: new TraceStore(this.db).get(item.trace_id, now),
      assignments: itemAssignments(this.db, id, idx)
        .filter((a) => a.status !== "expired" || a.review_status !== "unreviewed")
        .map((a) => toAssignment(a, item.trace_id)),
      ...(final ? { final } : {}),
    };
  }

  adjudicate(id: string, idx: number, body: AdjudicateBody, by: string, now = Date.now()): FinalVersion {
    return this.db.transaction(() => {
      queueRow(this.db, id);
      const item = itemRow(this.db, id, idx);
      const works = itemAssignments(this.db, id, idx)
        .filter((a) => a.status === "done")
        .map((a) => toDoneWork(a, item.trace_id));
      const final = adjudicate(works, body, by, now);
      this.writeFinal(id, idx, final);
      recordActivity(this.db, item.trace_id, { author: by, kind: "adjudicated", queueId: id, detail: { item: idx, status: final.review, from: final.from, edits: final.edits.length, marks: final.annotations.length } }, now);
      return final;
    })();
  }

  /**
   * Recompute an item's final version after one of its reviews changed; an adjudicated item keeps
   * the researcher's choice. Runs inside the caller's transaction.
   */
  refreshFinal(queueId: string, idx: number, now: number): void {
    const item = itemRow(this.db, queueId, idx);
    if (finalOf(item)?.how === "adjudicated") return;
    const works = itemAssignments(this.db, queueId, idx)
      .filter((a) => a.status === "done")
      .map((a) => toDoneWork(a, item.trace_id));
    const final = automaticFinal(item.required, works, now);
    if (final) this.writeFinal(queueId, idx, final);
    else this.db.prepare("UPDATE queue_items SET final = NULL, final_status = NULL, final_by = NULL, final_at = NULL WHERE queue_id = ? AND idx = ?").run(queueId, idx);
  }

  /** The final version of a trace in a queue (export): undefined when it has none. */
  finalFor(queueId: string, traceId: string): FinalVersion | undefined {
    const row = this.db.prepare("SELECT * FROM queue_items WHERE queue_id = ? AND trace_id = ?").get(queueId, traceId) as Parameters<typeof finalOf>[0] | undefined;
    return row ? finalOf(row) : undefined;
  }

  /** A trace as a queue exports it: the final version's review, marks and edits instead of the trace's own. */
  overlay(queueId: string): (trace: Trace) => Trace {
    return (trace) => {
      const final = this.finalFor(queueId, trace.id);
      if (!final) return trace;
      return {
        ...trace,
        review: { status: final.review, ...(final.note ? { note: final.note } : {}), author: final.from.join(", "), at: final.at },
        annotations: final.annotations,
        edits: final.edits,
      };
    };
  }

  delete(id: string): void {
    queueRow(this.db, id);
    this.db.prepare("DELETE FROM queues WHERE id = ?").run(id);
  }

  /** A queue's name (export records name it). */
  name(id: string): string {
    return queueRow(this.db, id).name;
  }

  // --- internals ---

  private visible(id: string, viewer: Viewer): QueueRow {
    const row = queueRow(this.db, id);
    if (!viewer.researcher && !queueSpec(row).spec.annotators.includes(viewer.name)) {
      throw new AppError("forbidden", "you are not an annotator of this queue");
    }
    return row;
  }

  private data(row: QueueRow): QueueData {
    return { row, body: queueSpec(row), items: itemRows(this.db, row.id), assignments: assignmentRows(this.db, row.id) };
  }

  private summaryOf(row: QueueRow, viewer: Viewer): QueueSummary {
    const body = queueSpec(row);
    const mine = body.spec.annotators.includes(viewer.name) ? annotatorCounts(this.db, row.id, viewer.name, body.spec.assignment === "even", Date.now()) : undefined;
    return {
      id: row.id,
      name: row.name,
      spec: body.spec,
      source: body.source,
      createdBy: row.created_by,
      createdAt: row.created_at,
      ...queueCounts(this.db, row.id),
      ...(mine ? { mine } : {}),
    };
  }

  private problemOf(traceId: string): string {
    const row = this.db.prepare("SELECT problem FROM traces WHERE id = ?").get(traceId) as { problem: string } | undefined;
    return row ? (JSON.parse(row.problem) as { statement: string }).statement.slice(0, 200) : "";
  }

  private writeFinal(queueId: string, idx: number, final: FinalVersion): void {
    this.db
      .prepare("UPDATE queue_items SET final = ?, final_status = ?, final_by = ?, final_at = ? WHERE queue_id = ? AND idx = ?")
      .run(JSON.stringify(final), final.review, final.by, final.at, queueId, idx);
  }
}

/**
 * An export scoped to a queue (GET /api/export, `hintlab export --queue`): each trace as the
 * queue's final version, its lines made by `linesFor` with the queue named (the edits format
 * records it). An unknown queue is refused before anything is written.
 */
export function queueScopedLines<L>(db: Db, queueId: string, linesFor: (queue: { id: string; name: string }) => (trace: Trace) => L): (trace: Trace) => L {
  const queues = new QueueStore(db);
  const lines = linesFor({ id: queueId, name: queues.name(queueId) });
  const overlay = queues.overlay(queueId);
  return (trace) => lines(overlay(trace));
}
