/**
 * An export's bytes off the request path. On a SQLite file the traces are read and encoded in
 * worker threads (stream.ts, worker-main.ts), each with a read-only connection of its own, and
 * this thread only pages the selection's ids and passes ~1 MB chunks on; small selections,
 * PostgreSQL (whose connection lives in the bridge's own worker) and exports beyond the workers
 * allowed at once (stream.ts's MAX_LIVE) stay in-process (lib/db's exportStream). Either way:
 * the same bytes, constant memory, reads held back by a slow client.
 */
import "server-only";
import { availableParallelism } from "node:os";
import { ID_PAGE, TraceStore, exportChunks, exportStream, linesOfIds, linesStream, sqliteFile, type Db, type ExportFilters, type TraceToLines } from "@/lib/db";
import { linesFor, type ExportJob } from "./lines";
import { workerExportStream } from "./stream";

export { linesFor, type ExportJob } from "./lines";

/** Below this many traces (~2 MB) starting workers (~0.1 s; more when the bundle is rebuilt) costs more than the export itself. */
const SMALL_SELECTION = 256;

export interface ExportBodyOptions {
  /** Worker threads (0: in-process). Default HINTLAB_EXPORT_WORKERS, else 2 (1 on a single core). */
  workers?: number;
  /** Selections under this many traces are exported in-process (default SMALL_SELECTION). */
  smallSelection?: number;
  /** Traces per page handed to a worker (tests use small pages to exercise the re-ordering). */
  page?: number;
  /** Called with each chunk's size as it arrives from a worker (tests: what the workers produced ahead of the client). */
  onChunk?: (bytes: number) => void;
}

/** GET /api/export's body: the JSONL of the traces `filters` select, as `job` formats them. */
export function exportBody(db: Db, filters: ExportFilters, job: ExportJob, o: ExportBodyOptions = {}): ReadableStream<Uint8Array> {
  // Built here even when workers format: an unknown queue is refused before the response starts.
  const toLines = linesFor(db, job);
  const file = sqliteFile(db);
  const workers = o.workers ?? defaultWorkers();
  if (!file || workers <= 0) return exportStream(db, filters, toLines);
  const ids = new TraceStore(db).iterateIds(filters, ID_PAGE);
  const first: string[] = [];
  const small = o.smallSelection ?? SMALL_SELECTION;
  let rest = ids.next();
  while (!rest.done && first.length < small) {
    first.push(rest.value);
    rest = ids.next();
  }
  if (rest.done) return linesStream(linesOfIds(db, first, toLines));
  const after = rest.value;
  const all = (function* () {
    yield* first;
    yield after;
    yield* ids;
  })();
  return workerExportStream(file, all, job, workers, {
    ...(o.page ? { pageSize: o.page } : {}),
    ...(o.onChunk ? { onChunk: o.onChunk } : {}),
    inProcess: (rest) => exportChunks(linesOfAll(db, rest, toLines)),
  });
}

/** linesOfIds over an iterator of ids, a page at a time. */
function* linesOfAll(db: Db, ids: Iterator<string>, toLines: TraceToLines): Generator<string> {
  let page: string[] = [];
  for (let n = ids.next(); !n.done; n = ids.next()) {
    page.push(n.value);
    if (page.length >= ID_PAGE) {
      yield* linesOfIds(db, page, toLines);
      page = [];
    }
  }
  yield* linesOfIds(db, page, toLines);
}

function defaultWorkers(): number {
  const env = process.env.HINTLAB_EXPORT_WORKERS;
  if (env !== undefined && env !== "" && Number.isInteger(Number(env))) return Math.max(0, Number(env));
  return Math.min(2, availableParallelism());
}
