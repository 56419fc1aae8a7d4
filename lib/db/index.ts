/**
 * Server-side persistence: SQLite through better-sqlite3 (one file, WAL, versioned migrations
 * run at open; HINTLAB_DB or <HINTLAB_DATA_DIR>/hintlab.db), the TraceStore over it, and user
 * hints in a JSON file beside it.
 */
export * from "./hint-store";
export * from "./sqlite";
export * from "./traces";
export * from "./import";
export * from "./upload";
export * from "./export-stream";
export * from "./owners";
import { getDb } from "./sqlite";
import { TraceStore } from "./traces";

/** The process's TraceStore on the default database. */
export function traceStore(): TraceStore {
  return new TraceStore(getDb());
}
export { toTraceLogprobs } from "./logprobs";
