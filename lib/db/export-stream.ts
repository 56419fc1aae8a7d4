import "server-only";
import type { Trace, TraceListQuery } from "@/lib/protocol";
import { loadStoredTraces, storedTrace } from "./export-load";
import type { Db } from "./sqlite";
import { withStatementCache } from "./statement-cache";
import { TraceStore } from "./traces";

/** The list filters without paging: an export takes the whole selection. */
export type ExportFilters = Omit<TraceListQuery, "limit" | "offset" | "sort" | "order">;

/**
 * Turns one trace into its JSONL lines. Passed in by the caller (route, CLI) because lib/db may
 * not import lib/export (see the dependency table in docs/architecture.md and eslint.config.mjs).
 * `fromStoredSegments` (lib/export's traceToLines offers it for unedited `segments`): the same
 * lines from a trace whose `segments` are left empty plus their stored JSON (one text each), so
 * the bulk of the text is copied instead of parsed and re-written; undefined: not in the shape
 * it can copy, and the parsed trace is used.
 */
export type TraceToLines = ((trace: Trace) => string[]) & { fromStoredSegments?: (trace: Trace, segments: readonly string[]) => string[] | undefined };

/**
 * The lines of an export, one trace loaded at a time (constant memory whatever the size of the
 * selection): ids come from the list filters, oldest first (created time, then id), so the same
 * selection gives the same bytes. A trace deleted while the export runs is skipped.
 */
export function* exportLines(db: Db, filters: ExportFilters, toLines: TraceToLines): Generator<string> {
  const store = new TraceStore(withStatementCache(db));
  let batch: string[] = [];
  // Ids are paged by the list (one query per ID_PAGE); traces are read LOAD_BATCH at a time,
  // which bounds memory to that many traces whatever the selection.
  for (const id of store.iterateIds(filters, ID_PAGE)) {
    batch.push(id);
    if (batch.length >= LOAD_BATCH) {
      yield* linesOfIds(db, batch, toLines);
      batch = [];
    }
  }
  yield* linesOfIds(db, batch, toLines);
}

/**
 * The lines of the traces `ids`, in that order, read LOAD_BATCH at a time (exportLines' reads;
 * the export workers call it on their pages of ids). Ids no longer in the database are skipped.
 */
export function* linesOfIds(db: Db, ids: readonly string[], toLines: TraceToLines): Generator<string> {
  const cached = withStatementCache(db);
  const fromStored = toLines.fromStoredSegments;
  for (let at = 0; at < ids.length; at += LOAD_BATCH) {
    const now = Date.now();
    for (const row of loadStoredTraces(cached, ids.slice(at, at + LOAD_BATCH))) {
      const fast = fromStored?.(storedTrace(row, now, []), row.segments);
      yield* fast ?? toLines(storedTrace(row, now));
    }
  }
}

export const ID_PAGE = 1000;
/** 1 MB chunks (memory stays one chunk plus one batch of traces). */
export const CHUNK = 1 << 20;
const LOAD_BATCH = 64;

/**
 * The export as a byte stream that reads traces only when the client asks for more, so a slow
 * client holds back the database reads instead of filling memory.
 */
export function exportStream(db: Db, filters: ExportFilters, toLines: TraceToLines): ReadableStream<Uint8Array> {
  return linesStream(exportLines(db, filters, toLines));
}

/** Lines as a byte stream of exportChunks, produced only as the client pulls (see exportStream). */
export function linesStream(lines: Iterator<string>): ReadableStream<Uint8Array> {
  const chunks = exportChunks(lines);
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const next = chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      cancel() {
        chunks.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * Lines as UTF-8 chunks of about CHUNK bytes: fewer, larger writes. Each line is encoded
 * straight into the chunk (Buffer.write) instead of joining lines into one string first:
 * encoding a string built from many pieces flattens it first, which cost more than the encoding
 * (bench/traces.mjs, Node 20; TextEncoder was slower still). A Buffer is the Uint8Array a web
 * stream carries and what a Node stream writes without copying. `alloc` gives each chunk's
 * memory (at least CHUNK bytes; the export workers reuse the buffers the main thread hands back).
 */
export function* exportChunks(lines: Iterator<string>, alloc: () => Buffer = () => Buffer.allocUnsafe(CHUNK)): Generator<Buffer, void, undefined> {
  let chunk = alloc();
  let used = 0;
  try {
    for (let next = lines.next(); !next.done; next = lines.next()) {
      const line = next.value;
      // At most 3 bytes per UTF-16 unit: a line that may not fit starts a new chunk.
      if (used + line.length * 3 > CHUNK) {
        if (used) yield chunk.subarray(0, used);
        chunk = alloc();
        used = 0;
        if (line.length * 3 > CHUNK) {
          yield Buffer.from(line);
          continue;
        }
      }
      used += chunk.write(line, used);
    }
    if (used) yield chunk.subarray(0, used);
  } finally {
    lines.return?.(undefined);
  }
}
