import "server-only";
import { AppError, type Trace, type TraceListQuery } from "@/lib/protocol";
import type { Db } from "./sqlite";
import { withStatementCache } from "./statement-cache";
import { TraceStore } from "./traces";

/** The list filters without paging: an export takes the whole selection. */
export type ExportFilters = Omit<TraceListQuery, "limit" | "offset" | "sort" | "order">;

/**
 * Turns one trace into its JSONL lines. Passed in by the caller (route, CLI) because lib/db may
 * not import lib/export (see the dependency table in docs/architecture.md and eslint.config.mjs).
 */
export type TraceToLines = (trace: Trace) => string[];

/**
 * The lines of an export, one trace loaded at a time (constant memory whatever the size of the
 * selection): ids come from the list filters, oldest first (created time, then id), so the same
 * selection gives the same bytes. A trace deleted while the export runs is skipped.
 */
export function* exportLines(db: Db, filters: ExportFilters, toLines: TraceToLines): Generator<string> {
  const store = new TraceStore(withStatementCache(db));
  for (const id of store.iterateIds(filters)) {
    let trace: Trace;
    try {
      trace = store.get(id);
    } catch (e) {
      if (e instanceof AppError && e.code === "not-found") continue;
      throw e;
    }
    yield* toLines(trace);
  }
}

/**
 * The export as a byte stream that reads traces only when the client asks for more, so a slow
 * client holds back the database reads instead of filling memory.
 */
export function exportStream(db: Db, filters: ExportFilters, toLines: TraceToLines): ReadableStream<Uint8Array> {
  const lines = exportLines(db, filters, toLines);
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        // Small lines (edits) are batched into chunks of at least 64 KB: fewer, larger writes.
        let out = "";
        while (out.length < 65_536) {
          const next = lines.next();
          if (next.done) {
            if (out) controller.enqueue(encoder.encode(out));
            controller.close();
            return;
          }
          out += next.value;
        }
        controller.enqueue(encoder.encode(out));
      },
      cancel() {
        lines.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
}
