import { ACTIVITY_RUN_KINDS, RUN_AUTHOR, type ActivityEntry, type ActivityItem, type Trace, type TraceEvent } from "@/lib/protocol";
import { annotationDetail, editDetail, quote } from "./activity";

/**
 * The per-trace activity list (GET /api/traces/:id/activity), pure: the activity log merged with
 * what the trace itself records, oldest first. Three sources (ActivityItemSchema):
 * - `log`: every entry of the activity log, as written;
 * - `run`: the run's own events from the trace's event log (`run-started`, `run-finished`,
 *   `hint-injected`, `error`), authored RUN_AUTHOR: nothing records which account ran a trace.
 *   On a fork, events copied from the parent (dated before the fork was made) say `inherited`;
 * - `trace`: annotations, edits and a review the trace holds but no log entry records (imported
 *   traces, traces annotated before migration 9), at their own author and time.
 * Equal times keep that order (run, trace, log; each in its own order): what the trace holds
 * unlogged is older than the log, and a run's events are in the order they happened.
 */
export function activityList(trace: Trace, log: readonly ActivityEntry[]): ActivityItem[] {
  const items: ActivityItem[] = [...runItems(trace), ...unloggedItems(trace, log), ...log.map(logItem)];
  // Array.prototype.sort is stable: ties keep the order above.
  return items.sort((a, b) => a.at - b.at);
}

function logItem(e: ActivityEntry): ActivityItem {
  return { source: "log", at: e.at, author: e.author, kind: e.kind, seq: e.seq, ...(e.queueId ? { queueId: e.queueId } : {}), detail: e.detail };
}

type RunEvent = Extract<TraceEvent, { type: (typeof ACTIVITY_RUN_KINDS)[number] }>;
const RUN_KINDS = new Set<string>(ACTIVITY_RUN_KINDS);
const isRunEvent = (e: TraceEvent): e is RunEvent => RUN_KINDS.has(e.type);

function runDetail(e: RunEvent, trace: Trace): Record<string, unknown> {
  switch (e.type) {
    case "run-started":
      return { model: trace.config.model, policy: trace.config.policy.type };
    case "run-finished":
      return { reason: e.reason };
    case "hint-injected":
      return { hintId: e.hintId, reason: e.reason, offset: e.offset, decidedBy: e.decidedBy, ...(e.round !== undefined ? { round: e.round } : {}) };
    case "error":
      return { code: e.code, message: quote(e.message) };
  }
}

function runItems(trace: Trace): ActivityItem[] {
  const out: ActivityItem[] = [];
  trace.events.forEach((e, eventIndex) => {
    if (!isRunEvent(e)) return;
    const inherited = trace.parentId !== undefined && e.at < trace.createdAt;
    out.push({ source: "run", at: e.at, author: RUN_AUTHOR, kind: e.type, detail: { ...runDetail(e, trace), eventIndex, ...(inherited ? { inherited: true } : {}) } });
  });
  return out;
}

function unloggedItems(trace: Trace, log: readonly ActivityEntry[]): ActivityItem[] {
  const logged = (kind: ActivityEntry["kind"], key: string, id: string) => log.some((e) => e.kind === kind && e.detail[key] === id);
  const out: ActivityItem[] = [];
  for (const a of trace.annotations ?? []) {
    if (logged("annotation-added", "annotationId", a.id)) continue;
    out.push({ source: "trace", at: a.createdAt, author: a.author, kind: "annotation-added", detail: annotationDetail(a, trace.segments[a.segment]?.text ?? "") });
  }
  for (const e of trace.edits ?? []) {
    if (logged("edit-added", "editId", e.id)) continue;
    out.push({ source: "trace", at: e.createdAt, author: e.author, kind: "edit-added", detail: editDetail(e) });
  }
  const r = trace.review;
  const reviewed = r && (r.status !== "unreviewed" || r.note || r.author);
  // The trace keeps only its latest review; a write logs it at the same time it stores `at`.
  // An adjudication may set it too (lib/queues), so its entry counts as the record as well.
  const reviewLogged = r && log.some((e) => e.at === r.at && ((e.kind === "review-set" && e.detail.status === r.status) || e.kind === "adjudicated"));
  if (r && reviewed && !reviewLogged) {
    out.push({
      source: "trace",
      at: r.at ?? trace.createdAt,
      author: r.author ?? "unknown",
      kind: "review-set",
      detail: { status: r.status, ...(r.note ? { note: quote(r.note) } : {}) },
    });
  }
  return out;
}
