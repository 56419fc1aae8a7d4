import "server-only";
import { randomBytes } from "node:crypto";
import { closeSync, openSync, readdirSync, readSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { AppError, type CreateTraceBody } from "@/lib/protocol";
import { HINT_LIBRARY_VERSION } from "@/hints";
import { decodeLine, parseImportLine, readLines, type HintText, type ImportMode, type ImportReport } from "@/lib/import";
import { listHints } from "./hint-store";
import type { Db } from "./sqlite";
import { withStatementCache } from "./statement-cache";
import { TraceStore } from "./traces";

/**
 * Server side of import: stream the upload line by line (never the whole body in memory), parse
 * and validate every line, then write the valid traces in ONE transaction — or none when the user
 * chose all-or-nothing and a line failed. Nothing is written while the upload is still arriving,
 * so a refused upload (too large, binary, cut off) leaves the database exactly as it was, and an
 * existing trace is never overwritten (a clashing id is a failed line). Validated traces wait in
 * a spool (memory, then a nameless file beside the database past SPILL_BYTES) so memory stays bounded.
 */

export const DEFAULT_IMPORT_MAX_BYTES = 100 * 1024 * 1024;
export const DEFAULT_IMPORT_MAX_LINE_BYTES = 32 * 1024 * 1024;
const MAX_ERRORS = 1000;
const MAX_IDS = 1000;
const SPILL_BYTES = 32 * 1024 * 1024;

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
}

export async function importTraces(db: Db, source: AsyncIterable<Uint8Array>, opts: ImportOptions): Promise<ImportReport> {
  const now = opts.now ?? Date.now();
  const hints = opts.hints ?? (await listHints());
  const report: ImportReport = { mode: opts.mode, committed: false, lines: 0, imported: 0, failed: 0, errors: [], moreErrors: 0, warnings: [], shapes: {}, ids: [] };
  const fail = (line: number, error: string) => {
    report.failed++;
    if (report.errors.length < MAX_ERRORS) report.errors.push({ line, error });
    else report.moreErrors++;
  };
  const seen = new Map<string, number>();
  const spool = new Spool(opts.spillBytes ?? SPILL_BYTES, opts.spoolDir ?? spoolDirOf(db));
  try {
    const limits = { maxBytes: opts.maxBytes ?? importMaxBytes(), maxLineBytes: opts.maxLineBytes ?? DEFAULT_IMPORT_MAX_LINE_BYTES };
    for await (const raw of readLines(source, limits)) {
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
    if (spool.count === 0 || (mode === "all-or-nothing" && report.failed > 0)) return report;
    insertAll(db, spool, mode, dataset, now, report, fail);
    return report;
  } finally {
    spool.dispose();
  }
}

class AllOrNothingAbort extends Error {}

function insertAll(db: Db, spool: Spool, mode: ImportMode, dataset: string | undefined, now: number, report: ImportReport, fail: (line: number, error: string) => void) {
  const store = new TraceStore(withStatementCache(db));
  const ids: string[] = [];
  const warnings: ImportReport["warnings"] = [];
  let k = 0;
  try {
    db.transaction(() => {
      for (const { line, body } of spool.entries()) {
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
          ids.push(b.id!);
        } catch (e) {
          const message = e instanceof AppError ? e.message : `could not be stored: ${(e as Error).message}`;
          if (mode === "all-or-nothing") {
            fail(line, message);
            throw new AllOrNothingAbort();
          }
          fail(line, message);
        }
      }
    })();
  } catch (e) {
    if (e instanceof AllOrNothingAbort) return;
    throw e;
  }
  report.committed = ids.length > 0;
  report.imported = ids.length;
  report.ids = ids.slice(0, MAX_IDS);
  report.warnings = warnings.slice(0, MAX_ERRORS);
}

function spoolDirOf(db: Db): string {
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

/** The report as the response: 200 when something was stored, else 400 with what failed. */
export function importResponse(report: ImportReport): Response {
  if (report.committed) return Response.json(report);
  const message =
    report.lines === 0
      ? "the file has no lines to import"
      : report.mode === "all-or-nothing" && report.failed > 0
        ? `${report.failed} of ${report.lines} lines failed (first: line ${report.errors[0]?.line}: ${report.errors[0]?.error}); nothing was imported (all-or-nothing)`
        : `none of the ${report.lines} lines could be imported (first: line ${report.errors[0]?.line}: ${report.errors[0]?.error})`;
  return Response.json({ error: { code: "bad-request", message }, report }, { status: 400 });
}
