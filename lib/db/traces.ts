import "server-only";
import { randomUUID } from "node:crypto";
import {
  AnnotationSchema,
  AppError,
  EditSchema,
  formatBudgetLabel,
  SegmentSchema,
  TraceEventSchema,
  type Annotation,
  type CreateTraceBody,
  type Edit,
  type ForkBody,
  type LiveAppendBody,
  type ReviewStatus,
  type Segment,
  type TokenLogprob,
  type Trace,
  type TraceEvent,
  type TraceListQuery,
  type TraceSummary,
} from "@/lib/protocol";
import { currentOwner } from "./owners";
import { listTraces, listWhere, toSummary, traceFacets, type TraceRow } from "./trace-list";
import type { Db } from "./sqlite";
import { checkEdit, checkSpan } from "./spans";
import { acquireLease, checkLiveWrite, initialLease, LIVE_STATUSES, releaseLease, renewLease } from "./live-writes";
import { appendLogprobs, putLogprobs, readPackedLogprobs } from "./logprobs";
import { annotationDetail, editDetail, recordActivity, reviewDetail, tagsDetail } from "./activity";
import { forkTrace } from "./fork";
import { traceFromRow } from "./trace-row";

export { LIVE_TIMEOUT_MS } from "./live-writes";
export { effectiveStatus, ftsQuery } from "./trace-list";

/**
 * Trace persistence. Segments and events are rows (one JSON document each) so a live run appends
 * without rewriting the trace; list columns (model, policy, hints used, tool calls, tokens) are
 * derived on every write. Annotator writes (review, annotations, edits, tags) carry the version
 * they were based on and are refused with a conflict when it is stale.
 */




function policyLabel(config: Trace["config"]): string {
  const p = config.policy;
  if (p.type === "paper") return `paper:rounds=${p.rounds}${p.triggerProb ? `,p=${p.triggerProb}` : ""}`;
  if (p.type === "manual") return "manual";
  if (p.type === "budget") return formatBudgetLabel(p);
  return "greedy";
}

/** Columns derived from segments and events, recomputed on every write. */
function derive(segments: readonly Segment[], events: readonly TraceEvent[]) {
  const hints = new Set<string>();
  let chars = 0;
  for (const s of segments) {
    chars += s.text.length;
    if (s.kind === "hint" && s.hintId) hints.add(s.hintId);
  }
  let toolCalls = 0;
  let tokens = 0;
  for (const e of events) {
    if (e.type === "code-executed") toolCalls++;
    if (e.type === "stream-ended") tokens += e.usage?.completionTokens ?? Math.ceil(e.chars / 4);
  }
  return { hintsUsed: [...hints].sort().join(" "), toolCalls, tokens, chars };
}

export class TraceStore {
  constructor(private readonly db: Db) {}

  /** A new trace (new run, import, fork); one created live (the playground's run) comes with its writer's lease. */
  create(body: CreateTraceBody, now = Date.now()): Trace & { lease?: string } {
    const { id, lease } = this.insert(body, now);
    return { ...this.get(id, now), ...(lease ? { lease } : {}) };
  }

  /** {@link create} without reading the trace back (the experiment runner writes thousands and needs none of them). */
  insert(body: CreateTraceBody, now = Date.now()): { id: string; lease?: string } {
    const id = body.id || randomUUID();
    if (this.exists(id)) throw new AppError("conflict", `a trace with id ${id} already exists`);
    const d = derive(body.segments, body.events);
    const createdAt = body.createdAt ?? now;
    const lease = LIVE_STATUSES.has(body.status) ? initialLease(this.db, now) : undefined;
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO traces (id, problem_id, problem, parent_id, fork_at, config, status, answer, verdict, review_status, review_note,
             review_author, review_at, model, policy, dataset, tags, hints_used, tool_calls, tokens, chars, version, created_at, updated_at)
           VALUES (@id, @problem_id, @problem, @parent_id, @fork_at, @config, @status, @answer, @verdict, @review_status, @review_note,
             @review_author, @review_at, @model, @policy, @dataset, @tags, @hints_used, @tool_calls, @tokens, @chars, 1, @created_at, @updated_at)`,
        )
        .run({
          id,
          problem_id: body.problem.id,
          problem: JSON.stringify(body.problem),
          parent_id: body.parentId ?? null,
          fork_at: body.forkAt ? JSON.stringify(body.forkAt) : null,
          config: JSON.stringify(body.config),
          status: body.status,
          answer: body.answer ?? null,
          verdict: body.verdict ?? null,
          review_status: body.review?.status ?? "unreviewed",
          review_note: body.review?.note ?? null,
          review_author: body.review?.author ?? null,
          review_at: body.review?.at ?? null,
          model: body.config.model,
          policy: policyLabel(body.config),
          dataset: body.dataset ?? null,
          tags: JSON.stringify(body.tags ?? []),
          hints_used: d.hintsUsed,
          tool_calls: d.toolCalls,
          tokens: d.tokens,
          chars: d.chars,
          created_at: createdAt,
          updated_at: now,
        });
      this.writeSegments(id, 0, body.segments);
      this.writeEvents(id, 0, body.events);
      for (const a of body.annotations ?? []) this.insertAnnotation(id, a);
      for (const e of body.edits ?? []) this.insertEdit(id, e);
      this.index(id, body.problem.statement, body.segments);
      if (lease) {
        this.db.prepare("UPDATE traces SET writer_lease = ?, writer_owner = ?, writer_at = ? WHERE id = ?").run(lease.writer_lease, lease.writer_owner, lease.writer_at, id);
      }
    })();
    return { id, ...(lease ? { lease: lease.writer_lease } : {}) };
  }

  exists(id: string): boolean {
    return this.db.prepare("SELECT 1 FROM traces WHERE id = ?").get(id) !== undefined;
  }

  /**
   * The live session's writer: an idempotent append under the trace's lease (see
   * live-writes.ts). It does not bump `version`, the annotators' version: their writes address
   * stored text, which this only extends.
   */
  liveAppend(id: string, body: LiveAppendBody, now = Date.now()): { version: number; seq: number } {
    return this.db.transaction(() => {
      const stored = { segments: this.segments(id), events: this.eventJson(id) };
      const row = checkLiveWrite(this.db, id, body, stored);
      this.db.prepare("DELETE FROM segments WHERE trace_id = ? AND idx >= ?").run(id, body.segmentsFrom);
      this.writeSegments(id, body.segmentsFrom, body.segments);
      this.db.prepare("DELETE FROM events WHERE trace_id = ? AND idx >= ?").run(id, body.eventsFrom);
      this.writeEvents(id, body.eventsFrom, body.events);
      const segments = this.segments(id);
      for (const entry of body.logprobs ?? []) appendLogprobs(this.db, id, segments, entry);
      const d = derive(segments, this.events(id));
      const status = body.release && LIVE_STATUSES.has(body.status) ? "interrupted" : body.status;
      this.db
        .prepare(
          `UPDATE traces SET status = ?, answer = ?, verdict = ?, hints_used = ?, tool_calls = ?, tokens = ?, chars = ?, updated_at = ?,
             writer_seq = ?, writer_owner = ?, writer_at = ?, writer_lease = ? WHERE id = ?`,
        )
        .run(
          status,
          body.answer ?? null,
          body.verdict ?? null,
          d.hintsUsed,
          d.toolCalls,
          d.tokens,
          d.chars,
          now,
          body.seq,
          currentOwner(this.db, now),
          body.release ? null : now,
          body.release ? null : body.lease,
          id,
        );
      const problem = JSON.parse(this.row(id).problem) as Trace["problem"];
      this.index(id, problem.statement, segments);
      return { version: row.version, seq: body.seq };
    })();
  }

  /** Become the live writer of a stored trace (to resume it); see live-writes.ts. */
  acquireLease(id: string, takeOver: boolean, now = Date.now()): { lease: string; trace: Trace } {
    const lease = acquireLease(this.db, id, takeOver, now);
    return { lease, trace: this.get(id, now) };
  }

  renewLease(id: string, lease: string, now = Date.now()): void {
    renewLease(this.db, id, lease, now);
  }

  releaseLease(id: string, lease: string, now = Date.now()): void {
    releaseLease(this.db, id, lease, now);
  }

  get(id: string, now = Date.now()): Trace {
    const json = (sql: string) => (this.db.prepare(sql).all(id) as { json: string }[]).map((r) => JSON.parse(r.json) as unknown);
    return traceFromRow(
      this.row(id),
      {
        segments: json("SELECT json FROM segments WHERE trace_id = ? ORDER BY idx"),
        events: json("SELECT json FROM events WHERE trace_id = ? ORDER BY idx"),
        annotations: json("SELECT json FROM annotations WHERE trace_id = ? ORDER BY created_at, id"),
        edits: json("SELECT json FROM edits WHERE trace_id = ? ORDER BY created_at, id"),
      },
      now,
    );
  }

  list(q: TraceListQuery, now = Date.now()): { items: TraceSummary[]; total: number } {
    return listTraces(this.db, q, now);
  }

  /** Distinct values for the list's filter menus. */
  facets(): ReturnType<typeof traceFacets> {
    return traceFacets(this.db);
  }

  /** Run an annotator write if `baseVersion` is current; bumps the version. */
  private based<T>(id: string, baseVersion: number, write: (row: TraceRow) => T, now = Date.now()): { version: number; result: T } {
    return this.db.transaction(() => {
      const row = this.row(id);
      if (row.version !== baseVersion) {
        throw new AppError(
          "conflict",
          `This trace changed since you opened it (your version ${baseVersion}, now ${row.version}). Reload it to see the other changes, then apply yours again.`,
        );
      }
      const result = write(row);
      const version = row.version + 1;
      this.db.prepare("UPDATE traces SET version = ?, updated_at = ? WHERE id = ?").run(version, Math.max(now, row.updated_at), id);
      return { version, result };
    })();
  }

  setReview(id: string, b: { baseVersion: number; author: string; status: ReviewStatus; note?: string }, now = Date.now()) {
    return this.based(
      id,
      b.baseVersion,
      (row) => {
        this.db.prepare("UPDATE traces SET review_status = ?, review_note = ?, review_author = ?, review_at = ? WHERE id = ?").run(b.status, b.note ?? null, b.author, now, id);
        recordActivity(this.db, id, { author: b.author, kind: "review-set", detail: reviewDetail(b, row.review_status) }, now);
      },
      now,
    );
  }

  setTags(id: string, b: { baseVersion: number; author: string; tags: string[] }, now = Date.now()) {
    return this.based(
      id,
      b.baseVersion,
      (row) => {
        const tags = [...new Set(b.tags)];
        this.db.prepare("UPDATE traces SET tags = ? WHERE id = ?").run(JSON.stringify(tags), id);
        recordActivity(this.db, id, { author: b.author, kind: "tags-set", detail: tagsDetail(JSON.parse(row.tags) as string[], tags) }, now);
      },
      now,
    );
  }

  addAnnotation(id: string, b: { baseVersion: number; author: string; annotation: Omit<Annotation, "id" | "author" | "createdAt"> }, now = Date.now()) {
    return this.based(
      id,
      b.baseVersion,
      () => {
        const segment = checkSpan(this.segments(id), b.annotation);
        const a: Annotation = { ...b.annotation, id: randomUUID(), author: b.author, createdAt: now };
        this.insertAnnotation(id, a);
        recordActivity(this.db, id, { author: b.author, kind: "annotation-added", detail: annotationDetail(a, segment.text) }, now);
        return a;
      },
      now,
    );
  }

  removeAnnotation(id: string, annotationId: string, b: { baseVersion: number; author: string }, now = Date.now()) {
    return this.based(
      id,
      b.baseVersion,
      () => {
        const found = this.db.prepare("SELECT json FROM annotations WHERE id = ? AND trace_id = ?").get(annotationId, id) as { json: string } | undefined;
        if (!found) throw new AppError("not-found", `annotation ${annotationId} is not on this trace`);
        const a = AnnotationSchema.parse(JSON.parse(found.json));
        this.db.prepare("DELETE FROM annotations WHERE id = ? AND trace_id = ?").run(annotationId, id);
        recordActivity(this.db, id, { author: b.author, kind: "annotation-removed", detail: annotationDetail(a, this.segments(id)[a.segment]?.text ?? "") }, now);
      },
      now,
    );
  }

  /** Record an edit of a span of a model segment; the original text is read from the segment, never trusted from the client. */
  addEdit(id: string, b: { baseVersion: number; author: string; edit: Omit<Edit, "id" | "author" | "createdAt" | "original"> }, now = Date.now()) {
    return this.based(
      id,
      b.baseVersion,
      () => {
        const segment = checkEdit(this.segments(id), this.edits(id), b.edit);
        const e: Edit = { ...b.edit, original: segment.text.slice(b.edit.start, b.edit.end), id: randomUUID(), author: b.author, createdAt: now };
        this.insertEdit(id, e);
        recordActivity(this.db, id, { author: b.author, kind: "edit-added", detail: editDetail(e) }, now);
        return e;
      },
      now,
    );
  }

  removeEdit(id: string, editId: string, b: { baseVersion: number; author: string }, now = Date.now()) {
    return this.based(
      id,
      b.baseVersion,
      () => {
        const found = this.db.prepare("SELECT json FROM edits WHERE id = ? AND trace_id = ?").get(editId, id) as { json: string } | undefined;
        if (!found) throw new AppError("not-found", `edit ${editId} is not on this trace`);
        this.db.prepare("DELETE FROM edits WHERE id = ? AND trace_id = ?").run(editId, id);
        recordActivity(this.db, id, { author: b.author, kind: "edit-removed", detail: editDetail(EditSchema.parse(JSON.parse(found.json))) }, now);
      },
      now,
    );
  }

  /**
   * A new trace starting with the prefix of `id` up to (segment, offset), or with the edited text
   * up to the end of an edit ("continue from here"); see fork.ts. Status "stopped" until resumed.
   */
  fork(id: string, body: ForkBody, author: string, now = Date.now()): Trace {
    return forkTrace(this.db, this, id, body, author, now);
  }

  /** Token probabilities of a model segment, stored whole (a headless run's); see logprobs.ts. */
  putLogprobs(id: string, segment: number, tokens: readonly TokenLogprob[]): void {
    this.db.transaction(() => putLogprobs(this.db, id, this.segments(id), segment, tokens))();
  }

  /** Every segment's token probabilities, packed (lib/protocol/logprobs.ts); not-found when the trace is not. */
  logprobs(id: string): { segment: number; packed: Uint8Array }[] {
    this.row(id);
    return readPackedLogprobs(this.db, id);
  }

  /** Traces descending from the root of `id`'s family, for the tree view. */
  family(id: string): TraceSummary[] {
    let root = this.row(id);
    for (let guard = 0; root.parent_id && guard < 1000; guard++) {
      const parent = this.db.prepare("SELECT * FROM traces WHERE id = ?").get(root.parent_id) as TraceRow | undefined;
      if (!parent) break;
      root = parent;
    }
    const ids = (
      this.db
        .prepare(
          `WITH RECURSIVE fam(id) AS (SELECT ? UNION SELECT t.id FROM traces t JOIN fam ON t.parent_id = fam.id) SELECT id FROM fam`,
        )
        .all(root.id) as { id: string }[]
    ).map((r) => r.id);
    return ids.map((tid) => this.summary(tid));
  }

  summary(id: string, now = Date.now()): TraceSummary {
    const row = this.row(id);
    const problem = JSON.parse(row.problem) as Trace["problem"];
    return toSummary(row, problem.statement.slice(0, 300), now);
  }

  delete(id: string): void {
    this.row(id);
    this.db.transaction(() => {
      this.unindex(id);
      this.db.prepare("DELETE FROM traces WHERE id = ?").run(id);
    })();
  }

  /** Ids matching list filters, in a stable order (for export). */
  *iterateIds(q: Omit<TraceListQuery, "limit" | "offset" | "sort" | "order">, batch = 200): Generator<string> {
    // Keyset pages (after the last created_at, id seen) instead of the list's OFFSET pages: no
    // count per page and no rescan of the rows already passed, so a page costs the same at the
    // end of 100,000 traces as at the start; a trace added or deleted meanwhile shifts nothing.
    const { where, params } = listWhere(q);
    const sql = (after: boolean) =>
      `SELECT t.id, t.created_at FROM traces t WHERE ${[...where, ...(after ? ["(t.created_at, t.id) > (@afterAt, @afterId)"] : []), "TRUE"].join(" AND ")}
       ORDER BY t.created_at, t.id LIMIT @batch`;
    let page = this.db.prepare(sql(false)).raw().all({ ...params, batch }) as [string, number][];
    const next = this.db.prepare(sql(true)).raw();
    for (;;) {
      for (const [id] of page) yield id;
      if (page.length < batch) return;
      const [afterId, afterAt] = page[page.length - 1]!;
      page = next.all({ ...params, batch, afterAt, afterId }) as [string, number][];
    }
  }

  // --- internals ---

  private row(id: string): TraceRow {
    const row = this.db.prepare("SELECT * FROM traces WHERE id = ?").get(id) as TraceRow | undefined;
    if (!row) throw new AppError("not-found", `no trace with id ${id}`);
    return row;
  }

  segments(id: string): Segment[] {
    return (this.db.prepare("SELECT json FROM segments WHERE trace_id = ? ORDER BY idx").all(id) as { json: string }[]).map((r) =>
      SegmentSchema.parse(JSON.parse(r.json)),
    );
  }

  /** The trace's edits, oldest first (an edit is checked against them without loading the whole trace). */
  private edits(id: string): Edit[] {
    return (this.db.prepare("SELECT json FROM edits WHERE trace_id = ? ORDER BY created_at, id").all(id) as { json: string }[]).map((r) => EditSchema.parse(JSON.parse(r.json)));
  }

  private eventJson(id: string): string[] {
    return (this.db.prepare("SELECT json FROM events WHERE trace_id = ? ORDER BY idx").all(id) as { json: string }[]).map((r) => r.json);
  }

  private events(id: string): TraceEvent[] {
    return (this.db.prepare("SELECT json FROM events WHERE trace_id = ? ORDER BY idx").all(id) as { json: string }[]).map((r) =>
      TraceEventSchema.parse(JSON.parse(r.json)),
    );
  }

  private writeSegments(id: string, from: number, segments: readonly Segment[]) {
    const ins = this.db.prepare("INSERT INTO segments (trace_id, idx, json) VALUES (?, ?, ?)");
    segments.forEach((s, i) => ins.run(id, from + i, JSON.stringify(s)));
  }

  private writeEvents(id: string, from: number, events: readonly TraceEvent[]) {
    const ins = this.db.prepare("INSERT INTO events (trace_id, idx, json) VALUES (?, ?, ?)");
    events.forEach((e, i) => ins.run(id, from + i, JSON.stringify(e)));
  }

  private insertAnnotation(id: string, a: Annotation) {
    this.db.prepare("INSERT INTO annotations (id, trace_id, json, created_at) VALUES (?, ?, ?, ?)").run(a.id, id, JSON.stringify(a), a.createdAt);
  }

  private insertEdit(id: string, e: Edit) {
    this.db.prepare("INSERT INTO edits (id, trace_id, json, created_at) VALUES (?, ?, ?, ?)").run(e.id, id, JSON.stringify(e), e.createdAt);
  }

  private index(id: string, problem: string, segments: readonly Segment[]) {
    this.unindex(id);
    const body = segments
      .filter((s) => s.kind !== "prompt")
      .map((s) => s.text)
      .join("");
    const { lastInsertRowid } = this.db.prepare("INSERT INTO trace_search (problem, body) VALUES (?, ?)").run(problem, body);
    this.db.prepare("INSERT INTO trace_search_map (trace_id, rowid_) VALUES (?, ?)").run(id, lastInsertRowid);
  }

  private unindex(id: string) {
    const m = this.db.prepare("SELECT rowid_ FROM trace_search_map WHERE trace_id = ?").get(id) as { rowid_: number } | undefined;
    if (!m) return;
    this.db.prepare("DELETE FROM trace_search WHERE rowid = ?").run(m.rowid_);
    this.db.prepare("DELETE FROM trace_search_map WHERE trace_id = ?").run(id);
  }
}
