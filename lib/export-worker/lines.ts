import "server-only";
import { traceToLines, type ExportFormat, type ExportOptions } from "@/lib/export";
import type { Db, TraceToLines } from "@/lib/db";
import { queueScopedLines } from "@/lib/queues/store";

/** What turns each trace into lines: the format, its options, and the queue an export is scoped to. Structured-cloneable (sent to the workers). */
export interface ExportJob {
  format: ExportFormat;
  opts: ExportOptions;
  /** Accepted in this queue: each trace exports as the queue's final version. */
  queue?: string;
}

/**
 * The line function of a job on `db` (the route, `hintlab export` and each worker build it the
 * same way). A queue's export names the queue in its records and reads each trace as the queue's
 * final version (adjudicated where its annotators disagreed); an unknown queue throws here,
 * before anything is written.
 */
export function linesFor(db: Db, job: ExportJob): TraceToLines {
  const { format, opts, queue } = job;
  return queue ? queueScopedLines(db, queue, (q) => traceToLines(format, { ...opts, queue: q })) : traceToLines(format, opts);
}
