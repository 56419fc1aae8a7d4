import "server-only";
import { randomBytes } from "node:crypto";
import { closeSync, openSync, readdirSync, readSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { AppError, type CreateTraceBody } from "@/lib/protocol";
import { HINT_LIBRARY_VERSION } from "@/hints";
import { decodeLine, parseImportLine, readLines, type HintText, type ImportMode, type ImportProgress, type ImportReport } from "@/lib/import";
import { listHints } from "./hint-store";
import type { Db } from "./sqlite";
import { withStatementCache } from "./statement-cache";
import { TraceStore } from "./traces";
import { isPgUrl } from "./pg/bridge";

/**
 * Server side of import: stream the upload line by line (never the whole body in memory), parse
 * and validate every line, then write the valid traces in chunks — or none when the user chose
 * all-or-nothing and a line failed. Nothing is written while the upload is still arriving, so a
 * refused upload (too large, binary, cut off) leaves the database exactly as it was, and an
 * existing trace is never overwritten (a clashing id is a failed line). Validated traces wait in
 * a spool (memory, then a nameless file beside the database past SPILL_BYTES) so memory stays bounded.
 *
 * The import shares the server's one connection and its event loop, so it never holds either
 * for long: its work is cut into slices of SLICE_MS (reading, checking and writing alike), each
 * write slice is one transaction, and between two slices it yields to the event loop
 * (setImmediate), where the server answers other requests and other writers take the lock. One
 * transaction for a 100 MB file held both for ~10 s. The price is that the chunks commit one
 * after another, so all-or-nothing is kept this way: every line is validated and every id checked
 * against the database before the first write (a bad file is refused with nothing written, as
 * before); a line that still fails while writing (a trace with its id created meanwhile, a
 * database error) makes the import remove what it had committed again, except traces someone
 * changed in the meantime, which the report names (`undone`, `kept`). Other requests can see
 * the traces of a running import.
 */

export const DEFAULT_IMPORT_MAX_BYTES = 100 * 1024 * 1024;
export const DEFAULT_IMPORT_MAX_LINE_BYTES = 32 * 1024 * 1024;
const MAX_ERRORS = 1000;
const MAX_IDS = 1000;
const SPILL_BYTES = 32 * 1024 * 1024;
/** Work between two yields to the event loop (a write slice is one transaction). */
const SLICE_MS = 15;

/** Upload limit: HINTLAB_IMPORT_MAX_BYTES (bytes), default 100 MB. */
export function importMaxBytes(): number {
  const raw = process.env.HINTLAB_IMPORT_MAX_BYTES;
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_IMPORT_MAX_BYTES;
}

export interface ImportOptions {
  mode: ImportMode;
  dataset?: string;
  maxBytes?: number;
  maxLineBytes?: number;
  /** Hints to recognise in imported text; default: built-ins and the user's hints. */
  hints?: readonly HintText[];
  now?: number;
  /** Validated traces beyond this many bytes wait in a file instead of memory. */
  spillBytes?: number;
  /** Where that file is made (default: the database's directory; tmpdir for an in-memory database). */
  spoolDir?: string;
  /**
   * Mode and dataset as they stand once the upload has been read to its end (multipart fields
   * may follow the file); they replace `mode` and `dataset`. May throw (a bad field).
   */
  settle?: () => { mode: ImportMode; dataset?: string };
  /** Called at every yield to the event loop, after each chunk of the upload, and once at the end (phase `done`). */
  onProgress?: (p: ImportProgress) => void;
  /** The file's size when known (a declared Content-Length), for the progress. */
  totalBytes?: number;
  /** A slice ends after this many ms or this many lines / traces, whichever comes first (tests set the count). */
  sliceMs?: number;
  sliceItems?: number;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Cuts a job into slices of bounded time, with a yield to the event loop between them. */
class Slicer {
  private start = performance.now();
  private n = 0;
  constructor(
    private readonly ms: number,
    private readonly items: number,
    private readonly report: () => void,
  ) {}

  /** Count one item; true when the slice is used up. */
  full(): boolean {
    return ++this.n >= this.items || performance.now() - this.start >= this.ms;
  }

  async pause() {
    this.report();
    await yieldToLoop();
    this.start = performance.now();
    this.n = 0;
  }
}

export async function importTraces(db: Db, source: AsyncIterable<Uint8Array>, opts: ImportOptions): Promise<ImportReport> {
  const now = opts.now ?? Date.now();
  const hints = opts.hints ?? (await listHints());
  const report: ImportReport = { mode: opts.mode, committed: false, lines: 0, imported: 0, failed: 0, errors: [], moreErrors: 0, warnings: [], shapes: {}, ids: [] };
  const progress: ImportProgress = { phase: "reading", bytes: 0, ...(opts.totalBytes !== undefined ? { totalBytes: opts.totalBytes } : {}), lines: 0, failed: 0, total: 0, written: 0 };
  const emit = () => opts.onProgress?.({ ...progress, lines: report.lines, failed: report.failed });
  const slicer = new Slicer(opts.sliceMs ?? SLICE_MS, opts.sliceItems ?? Infinity, emit);
  const fail = (line: number, error: string) => {
    report.failed++;
    if (report.errors.length < MAX_ERRORS) report.errors.push({ line, error });
    else report.moreErrors++;
  };
  const seen = new Map<string, number>();
  const spool = new Spool(opts.spillBytes ?? SPILL_BYTES, opts.spoolDir ?? spoolDirOf(db));
  async function* counted() {
    for await (const chunk of source) {
      progress.bytes += chunk.length;
      yield chunk;
      // Once a chunk's lines are parsed: an upload that arrives slowly still shows how far it got.
      emit();
    }
  }
  try {
    const limits = { maxBytes: opts.maxBytes ?? importMaxBytes(), maxLineBytes: opts.maxLineBytes ?? DEFAULT_IMPORT_MAX_LINE_BYTES };
    for await (const raw of readLines(counted(), limits)) {
      // A source already in memory never waits for I/O: without this the whole file would be parsed in one go.
      if (slicer.full()) await slicer.pause();
      if (raw.error !== undefined) {
        report.lines++;
        fail(raw.line, raw.error);
        continue;
      }
      const decoded = decodeLine(raw.bytes);
      if ("text" in decoded && !decoded.text.trim()) continue;
      report.lines++;
      if ("error" in decoded) {
        fail(raw.line, decoded.error);
        continue;
      }
      // The dataset is set when the traces are stored: it may only be known at the end (settle).
      const parsed = parseImportLine(decoded.text, { hints, hintLibraryVersion: HINT_LIBRARY_VERSION });
      if (!parsed.ok) {
        fail(raw.line, parsed.error);
        continue;
      }
      const id = parsed.body.id!;
      const first = seen.get(id);
      if (first !== undefined) {
        fail(raw.line, `duplicate id "${id}" (also on line ${first})`);
        continue;
      }
      seen.set(id, raw.line);
      report.shapes[parsed.shape] = (report.shapes[parsed.shape] ?? 0) + 1;
      // All-or-nothing after a failure: keep reading to report every bad line, but keep nothing
      // (unless the mode may still change).
      if (opts.mode === "valid-lines" || report.failed === 0 || opts.settle) spool.push(raw.line, parsed.body);
    }
    const { mode, dataset } = opts.settle?.() ?? opts;
    report.mode = mode;
    progress.total = spool.count;
    if (spool.count > 0 && mode === "all-or-nothing" && report.failed === 0) {
      progress.phase = "checking";
      await slicer.pause();
      await checkIds(db, seen, fail, slicer);
    }
    if (spool.count === 0 || (mode === "all-or-nothing" && report.failed > 0)) return report;
    progress.phase = "writing";
    await slicer.pause();
    await insertAll(db, spool, { mode, dataset, now }, report, fail, slicer, progress);
    return report;
  } finally {
    spool.dispose();
    progress.phase = "done";
    emit();
  }
}

/** All-or-nothing: every id against the database before anything is written, a slice of ids per query. */
async function checkIds(db: Db, seen: Map<string, number>, fail: (line: number, error: string) => void, slicer: Slicer) {
  const query = db.prepare("SELECT id FROM traces WHERE id IN (SELECT value FROM json_each(?))");
  const ids = [...seen.keys()];
  const clashes: [number, string][] = [];
  for (let i = 0; i < ids.length; i += 500) {
    for (const { id } of query.all(JSON.stringify(ids.slice(i, i + 500))) as { id: string }[]) clashes.push([seen.get(id)!, id]);
    if (slicer.full()) await slicer.pause();
  }
  for (const [line, id] of clashes.sort((a, b) => a[0] - b[0])) fail(line, `a trace with id ${id} already exists`);
}

class AllOrNothingAbort extends Error {}

interface WriteTarget {
  mode: ImportMode;
  dataset?: string;
  now: number;
}

async function insertAll(db: Db, spool: Spool, target: WriteTarget, report: ImportReport, fail: (line: number, error: string) => void, slicer: Slicer, progress: ImportProgress) {
  const { mode, dataset, now } = target;
  const store = new TraceStore(withStatementCache(db));
  const ids: string[] = [];
  const warnings: ImportReport["warnings"] = [];
  const entries = spool.entries();
  let next = entries.next();
  let k = 0;
  let aborted = false;
  const writeOne = ({ line, body }: { line: number; body: CreateTraceBody }) => {
    // Records without a time keep file order in the list and in exports (oldest first): the
    // last line gets `now`, each earlier one a millisecond before.
    const createdAt = body.createdAt ?? now - (spool.count - 1 - k);
    k++;
    let b: CreateTraceBody = { ...body, createdAt, ...(dataset ? { dataset } : {}) };
    if (b.parentId && !store.exists(b.parentId)) {
      warnings.push({ line, warning: `parent trace ${b.parentId} is not in the database; imported without its fork link` });
      const { parentId: _p, forkAt: _f, ...rest } = b;
      b = rest;
    }
    try {
      store.create(b, now);
      return b.id!;
    } catch (e) {
      fail(line, e instanceof AppError ? e.message : `could not be stored: ${(e as Error).message}`);
      if (mode === "all-or-nothing") throw new AllOrNothingAbort();
      return undefined;
    }
  };
  while (!next.done) {
    const firstLine = next.value.line;
    const chunk: string[] = [];
    try {
      // One slice, one transaction: its traces become visible together.
      db.transaction(() => {
        while (!next.done) {
          const id = writeOne(next.value);
          if (id !== undefined) chunk.push(id);
          next = entries.next();
          if (slicer.full()) break;
        }
      })();
    } catch (e) {
      if (!(e instanceof AllOrNothingAbort)) {
        // The database failed (disk full, I/O), not a line: this chunk was rolled back, the next are not tried.
        fail(firstLine, `could not be stored: ${(e as Error).message}; this line and the ones after it were not imported`);
        report.stoppedAt = firstLine;
      }
      aborted = true;
    }
    if (aborted) break;
    ids.push(...chunk);
    progress.written = ids.length;
    if (!next.done) await slicer.pause();
  }
  if (aborted && mode === "all-or-nothing") {
    progress.phase = "undoing";
    const kept = await undo(db, store, ids, now, slicer);
    report.undone = ids.length - kept.length;
    if (kept.length) report.kept = kept.slice(0, MAX_IDS);
    ids.splice(0, ids.length, ...kept);
  }
  report.committed = ids.length > 0;
  report.imported = ids.length;
  report.ids = ids.slice(0, MAX_IDS);
  report.warnings = warnings.slice(0, MAX_ERRORS);
}

/**
 * Remove the traces an all-or-nothing import committed before a line failed, newest first (a
 * fork in the file goes before its parent). A trace someone changed since (its version, or a
 * fork made of it) is kept: removing it would lose their work. Returns the kept ids.
 */
async function undo(db: Db, store: TraceStore, ids: readonly string[], now: number, slicer: Slicer): Promise<string[]> {
  const untouched = db.prepare("SELECT 1 FROM traces t WHERE t.id = ? AND t.version = 1 AND t.updated_at = ? AND NOT EXISTS (SELECT 1 FROM traces c WHERE c.parent_id = t.id)");
  const kept: string[] = [];
  let i = ids.length - 1;
  while (i >= 0) {
    db.transaction(() => {
      for (; i >= 0; i--) {
        const id = ids[i]!;
        if (untouched.get(id, now)) store.delete(id);
        else kept.push(id);
        if (slicer.full()) {
          i--;
          break;
        }
      }
    })();
    if (i >= 0) await slicer.pause();
  }
  return kept.reverse();
}

function spoolDirOf(db: Db): string {
  // A PostgreSQL store has no directory of its own: the data directory's, as for other files.
  if (isPgUrl(db.name)) return process.env.HINTLAB_DATA_DIR ? path.resolve(/* turbopackIgnore: true */ process.env.HINTLAB_DATA_DIR) : tmpdir();
  return db.memory || !db.name ? tmpdir() : path.dirname(db.name);
}

const SPOOL_FILE = /^\.hintlab-import-(\d+)-[0-9a-f]+\.spool$/;

/**
 * Validated traces waiting for the transaction: in memory, spilled to a file when large.
 *
 * The file is unlinked as soon as it is open: from then on it has no name, so however this
 * process ends (an exception, SIGTERM, SIGKILL, a power cut) the kernel frees it with the last
 * descriptor and nothing is left to clean up. (On Windows Node opens files with
 * FILE_SHARE_DELETE, so the unlink works there too; if it does not, dispose() removes it.) The
 * one instant between open and unlink is covered by the name, which carries the pid: a new
 * spool removes those of processes that are gone. It lives beside the database rather than in
 * tmpdir, which is often RAM (tmpfs) while the spool can be as large as the import limit.
 */
class Spool {
  count = 0;

  private mem: string[] = [];
  private memBytes = 0;
  private file?: string;
  private fd?: number;

  constructor(
    private readonly spillBytes: number,
    private readonly dir: string,
  ) {}

  push(line: number, body: CreateTraceBody) {
    const entry = `${line}\t${JSON.stringify(body)}\n`;
    this.count++;
    if (this.fd === undefined && this.memBytes + entry.length <= this.spillBytes) {
      this.mem.push(entry);
      this.memBytes += entry.length;
      return;
    }
    if (this.fd === undefined) {
      sweepSpools(this.dir);
      const file = path.join(this.dir, `.hintlab-import-${process.pid}-${randomBytes(6).toString("hex")}.spool`);
      this.fd = openSync(file, "wx+", 0o600);
      try {
        unlinkSync(file);
      } catch {
        this.file = file;
      }
      for (const m of this.mem) writeSync(this.fd, m);
      this.mem = [];
    }
    writeSync(this.fd, entry);
  }

  *entries(): Generator<{ line: number; body: CreateTraceBody }> {
    const parse = (entry: string) => {
      const tab = entry.indexOf("\t");
      return { line: Number(entry.slice(0, tab)), body: JSON.parse(entry.slice(tab + 1)) as CreateTraceBody };
    };
    if (this.fd === undefined) {
      for (const m of this.mem) yield parse(m);
      return;
    }
    const decoder = new TextDecoder();
    const buf = Buffer.alloc(1024 * 1024);
    let pos = 0;
    let rest = "";
    for (;;) {
      const n = readSync(this.fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      pos += n;
      rest += decoder.decode(buf.subarray(0, n), { stream: true });
      let nl: number;
      while ((nl = rest.indexOf("\n")) >= 0) {
        yield parse(rest.slice(0, nl));
        rest = rest.slice(nl + 1);
      }
    }
  }

  dispose() {
    if (this.fd !== undefined) closeSync(this.fd);
    if (this.file) rmSync(this.file, { force: true });
    this.fd = undefined;
    this.file = undefined;
    this.mem = [];
  }
}

/** Remove spool files whose process is gone (killed between creating and unlinking one). */
function sweepSpools(dir: string) {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(SPOOL_FILE.exec(name)?.[1]);
    if (!pid || pid === process.pid || isAlive(pid)) continue;
    try {
      unlinkSync(path.join(dir, name));
    } catch {
      // Already gone, or not ours to remove.
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

// --- HTTP (the upload itself is read by readImportRequest, upload.ts) ---------------------------

/**
 * The report as the response: 200 when something was stored (and an all-or-nothing import did
 * not fail), else 400 with what failed and what became of the traces already written.
 */
export function importResponse(report: ImportReport): Response {
  const refused = report.mode === "all-or-nothing" && report.failed > 0;
  if (report.committed && !refused) return Response.json(report);
  const first = `line ${report.errors[0]?.line}: ${report.errors[0]?.error}`;
  const undone = report.undone ? `; the ${report.undone} trace${report.undone === 1 ? "" : "s"} written before it ${report.undone === 1 ? "was" : "were"} removed again` : "";
  const kept = report.kept?.length
    ? `; ${report.kept.length} trace${report.kept.length === 1 ? " was" : "s were"} kept because ${report.kept.length === 1 ? "it was" : "they were"} changed meanwhile (${report.kept.slice(0, 5).join(", ")}${report.kept.length > 5 ? ", …" : ""})`
    : "";
  const message =
    report.lines === 0
      ? "the file has no lines to import"
      : refused
        ? `${report.failed} of ${report.lines} lines failed (first: ${first}); nothing was imported (all-or-nothing)${undone}${kept}`
        : `none of the ${report.lines} lines could be imported (first: ${first})`;
  return Response.json({ error: { code: "bad-request", message }, report }, { status: 400 });
}
