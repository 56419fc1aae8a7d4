/**
 * Server-side persistence: SQLite through better-sqlite3 (one file, WAL, versioned migrations
 * run at open; HINTLAB_DB or <HINTLAB_DATA_DIR>/hintlab.db), the TraceStore over it, and user
 * hints in a JSON file beside it. Live writes go through a per-trace lease (live-writes.ts: one
 * writer, rising sequence numbers, never shortening); every process that runs something is an
 * owner with a heartbeat (owners.ts), so a dead one's runs are swept to interrupted. Token
 * probabilities are packed per segment part (logprobs.ts, table segment_logprobs), appended by
 * live saves, copied into forks up to the fork point and deleted with their trace. The demo
 * traces of demo-traces/ are loaded on request through the ordinary import (demo-traces.ts, tag
 * `demo`, idempotent). Every annotator write appends to the trace's activity log in its own
 * transaction (activity.ts); activity-list.ts merges the log with the trace's run events and
 * unlogged annotations into the per-trace activity list.
 */
export * from "./hint-store";
export * from "./sqlite";
export * from "./traces";
export * from "./import";
export { startImportJob, importJob } from "./import-jobs";
export * from "./upload";
export * from "./export-stream";
export * from "./owners";
export { recordActivity, listActivity, annotationDetail, editDetail, quote } from "./activity";
export { checkSpan, checkEdit } from "./spans";
export { activityList } from "./activity-list";
export { traceActivity } from "./trace-activity";
export { loadDemoTraces, DEMO_TAG, type DemoLoadReport } from "./demo-traces";
import { getDb } from "./sqlite";
import { TraceStore } from "./traces";

/** The process's TraceStore on the default database. */
export function traceStore(): TraceStore {
  return new TraceStore(getDb());
}
export { toTraceLogprobs } from "./logprobs";
