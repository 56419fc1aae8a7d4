import "server-only";
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { AppError, type CreateTraceBody } from "@/lib/protocol";
import { HINT_LIBRARY_VERSION } from "@/hints";
import { decodeLine, formatBytes, parseImportLine, readLines, type HintText, type ImportMode, type ImportReport } from "@/lib/import";
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
 * a spool (memory, then a temp file past SPILL_BYTES) so memory stays bounded.
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
  /** Validated traces beyond this many bytes wait in a temp file instead of memory. */
  spillBytes?: number;
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
  const spool = new Spool(opts.spillBytes ?? SPILL_BYTES);
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
      const parsed = parseImportLine(decoded.text, { hints, hintLibraryVersion: HINT_LIBRARY_VERSION, ...(opts.dataset ? { dataset: opts.dataset } : {}) });
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
      // All-or-nothing after a failure: keep reading to report every bad line, but keep nothing.
      if (opts.mode === "valid-lines" || report.failed === 0) spool.push(raw.line, parsed.body);
    }
    if (spool.count === 0 || (opts.mode === "all-or-nothing" && report.failed > 0)) return report;
    insertAll(db, spool, opts.mode, now, report, fail);
    return report;
  } finally {
    spool.dispose();
  }
}

class AllOrNothingAbort extends Error {}

function insertAll(db: Db, spool: Spool, mode: ImportMode, now: number, report: ImportReport, fail: (line: number, error: string) => void) {
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
        let b: CreateTraceBody = { ...body, createdAt };
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

/** Validated traces waiting for the transaction: in memory, spilled to a temp file when large. */
class Spool {
  count = 0;

  private mem: string[] = [];
  private memBytes = 0;
  private dir?: string;
  private fd?: number;

  constructor(private readonly spillBytes: number) {}

  push(line: number, body: CreateTraceBody) {
    const entry = `${line}\t${JSON.stringify(body)}\n`;
    this.count++;
    if (this.fd === undefined && this.memBytes + entry.length <= this.spillBytes) {
      this.mem.push(entry);
      this.memBytes += entry.length;
      return;
    }
    if (this.fd === undefined) {
      this.dir = mkdtempSync(path.join(tmpdir(), "hintlab-import-"));
      this.fd = openSync(path.join(this.dir, "spool.jsonl"), "w+");
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
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.fd = undefined;
    this.dir = undefined;
    this.mem = [];
  }
}

// --- HTTP -----------------------------------------------------------------------------------

/**
 * The upload of POST /api/traces/import as a byte stream: a raw body (application/x-ndjson,
 * text/plain, …) is streamed as is; a multipart form gives its `file` field (and its other
 * fields, e.g. mode, dataset). A declared Content-Length over the limit is refused before reading.
 */
export async function readImportRequest(request: Request, maxBytes: number): Promise<{ source: AsyncIterable<Uint8Array>; fields: Record<string, string> }> {
  const tooLarge = () => new AppError("payload-too-large", `the file is larger than the import limit of ${formatBytes(maxBytes)}; split it into smaller files (or raise HINTLAB_IMPORT_MAX_BYTES)`);
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  if (!request.body) throw new AppError("bad-request", 'the request has no body: send the JSONL file as the body (Content-Type: application/x-ndjson) or as a multipart field named "file"');
  const type = request.headers.get("content-type") ?? "";
  if (!type.toLowerCase().startsWith("multipart/form-data")) return { source: iterate(request.body), fields: {} };
  // Multipart is parsed by the runtime, which holds the form in memory: cap what it may read.
  let exceeded = false;
  let seen = 0;
  const capped = request.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.length;
        if (seen > maxBytes) {
          exceeded = true;
          controller.error(tooLarge());
        } else controller.enqueue(chunk);
      },
    }),
  );
  let form: FormData;
  try {
    form = await new Response(capped, { headers: { "content-type": type } }).formData();
  } catch {
    if (exceeded) throw tooLarge();
    throw new AppError("bad-request", "the multipart body could not be read");
  }
  const file = form.get("file");
  if (!(file instanceof Blob)) throw new AppError("bad-request", 'a multipart upload needs the JSONL file in a field named "file"');
  const fields: Record<string, string> = {};
  form.forEach((v, k) => {
    if (typeof v === "string") fields[k] = v;
  });
  return { source: iterate(file.stream()), fields };
}

async function* iterate(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      yield value;
    }
  } finally {
    // Stopped early (a refused upload): tell the sender instead of leaving the body unread.
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

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
