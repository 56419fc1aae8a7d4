import "server-only";
import { AppError } from "@/lib/protocol";
import { formatBytes } from "@/lib/import";

/**
 * The file of an import request (POST /api/traces/import, /api/datasets/import) as a byte stream
 * that is never held whole: a raw body (application/x-ndjson, …) as it arrives, or the `file`
 * field of a multipart form, parsed here while streaming (the runtime's `formData()` would hold
 * the whole form in memory first). The limit is enforced up front from a declared Content-Length
 * and again on every chunk read, so an oversized upload is refused after at most the limit.
 */

/** Room for a form's boundaries, part headers and small fields beside a file of the full limit. */
const MULTIPART_SLACK = 64 * 1024;
const MAX_PART_HEADER_BYTES = 16 * 1024;
const MAX_FIELD_BYTES = 16 * 1024;

export function uploadTooLarge(maxBytes: number): AppError {
  return new AppError("payload-too-large", `the file is larger than the import limit of ${formatBytes(maxBytes)}; split it into smaller files (or raise HINTLAB_IMPORT_MAX_BYTES)`);
}

export interface Upload {
  /** The file's bytes. Stopping early (a refused file) cancels the request body. */
  source: AsyncIterable<Uint8Array>;
  /**
   * Text fields of a multipart form (mode, dataset, name, …): those before the file when this
   * returns, all of them once `source` has been read to its end (a browser's FormData may put
   * them after the file).
   */
  fields: Record<string, string>;
}

export async function readImportRequest(request: Request, maxBytes: number): Promise<Upload> {
  const type = request.headers.get("content-type") ?? "";
  const multipart = type.toLowerCase().startsWith("multipart/form-data");
  const bodyLimit = multipart ? maxBytes + MULTIPART_SLACK : maxBytes;
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > bodyLimit) throw uploadTooLarge(maxBytes);
  if (!request.body) throw new AppError("bad-request", 'the request has no body: send the JSONL file as the body (Content-Type: application/x-ndjson) or as a multipart field named "file"');
  const body = limited(request.body, bodyLimit, maxBytes);
  if (!multipart) return { source: body, fields: {} };
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(type);
  if (!boundary) throw new AppError("bad-request", "the multipart body has no boundary in its Content-Type");
  const fields: Record<string, string> = {};
  const parts = multipartParts(body, boundary[1] ?? boundary[2]!)[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await parts.next();
      if (next.done) throw new AppError("bad-request", 'a multipart upload needs the JSONL file in a field named "file"');
      const part = next.value;
      if (part.type === "field") fields[part.name] = part.value;
      else if (part.type === "file-start") break;
    }
  } catch (e) {
    await parts.return?.(undefined);
    throw e;
  }
  return { source: fileBytes(parts, fields), fields };
}

/** The request body, cut off with 413 as soon as it passes `bodyLimit`. */
async function* limited(stream: ReadableStream<Uint8Array>, bodyLimit: number, maxBytes: number): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let finished = false;
  let seen = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      seen += value.length;
      if (seen > bodyLimit) throw uploadTooLarge(maxBytes);
      yield value;
    }
  } finally {
    // Stopped early (refused, or the reader gave up): tell the sender instead of reading on.
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

type Part = { type: "field"; name: string; value: string } | { type: "file-start" } | { type: "file-chunk"; data: Uint8Array } | { type: "file-end" };

/** The file part's chunks, then the rest of the form (its later fields go into `fields`). */
async function* fileBytes(parts: AsyncIterator<Part>, fields: Record<string, string>): AsyncGenerator<Uint8Array> {
  let done = false;
  try {
    for (;;) {
      const next = await parts.next();
      if (next.done) {
        done = true;
        return;
      }
      const part = next.value;
      if (part.type === "file-chunk") yield part.data;
      else if (part.type === "field") fields[part.name] = part.value;
      else if (part.type === "file-start") throw new AppError("bad-request", 'the multipart upload has more than one field named "file": send one file per import');
    }
  } finally {
    if (!done) await parts.return?.(undefined);
  }
}

/**
 * A streaming multipart/form-data parser (RFC 7578): holds at most one part header, one small
 * field or one delimiter's length of file bytes. Fields other than `file` are text, at most
 * MAX_FIELD_BYTES each.
 */
async function* multipartParts(body: AsyncIterable<Uint8Array>, boundary: string): AsyncGenerator<Part> {
  const bad = (why: string) => new AppError("bad-request", `the multipart body could not be read: ${why}`);
  // Every delimiter, the first one included, is CRLF "--" boundary: the CRLF before the first
  // one is supplied here (RFC 2046: the preamble before it is ignored).
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  let buf: Buffer = Buffer.from("\r\n");
  let state: "preamble" | "after-delimiter" | "headers" | "content" | "epilogue" = "preamble";
  let part: { name: string; isFile: boolean; size: number; chunks: Buffer[] } | undefined;
  let files = 0;

  const decoder = new TextDecoder("utf-8", { fatal: true });
  const endPart = (): Part | undefined => {
    const p = part!;
    part = undefined;
    if (p.isFile) return { type: "file-end" };
    try {
      return { type: "field", name: p.name, value: decoder.decode(Buffer.concat(p.chunks)) };
    } catch {
      throw bad(`the field "${p.name}" is not UTF-8 text`);
    }
  };

  for await (const chunk of body) {
    buf = buf.length ? Buffer.concat([buf, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    for (;;) {
      if (state === "epilogue") {
        buf = Buffer.alloc(0);
        break;
      }
      if (state === "preamble") {
        const at = buf.indexOf(delimiter);
        if (at < 0) {
          buf = buf.subarray(Math.max(0, buf.length - delimiter.length + 1));
          break;
        }
        buf = buf.subarray(at + delimiter.length);
        state = "after-delimiter";
      }
      if (state === "after-delimiter") {
        // "--" closes the form; otherwise optional spaces (transport padding) then CRLF.
        if (buf.length < 2) break;
        if (buf[0] === 0x2d && buf[1] === 0x2d) {
          state = "epilogue";
          continue;
        }
        const eol = buf.indexOf("\r\n");
        if (eol < 0) {
          if (buf.length > 256) throw bad("a delimiter line does not end");
          break;
        }
        buf = buf.subarray(eol + 2);
        state = "headers";
      }
      if (state === "headers") {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) {
          if (buf.length > MAX_PART_HEADER_BYTES) throw bad("a part's headers are too long");
          break;
        }
        const headers = buf.subarray(0, end).toString("utf8");
        buf = buf.subarray(end + 4);
        const disposition = /^content-disposition:(.*)$/im.exec(headers)?.[1] ?? "";
        const name = /(?:^|;)\s*name="([^"]*)"/i.exec(disposition)?.[1] ?? /(?:^|;)\s*name=([^;\s]+)/i.exec(disposition)?.[1];
        if (name === undefined) throw bad("a part has no name (Content-Disposition: form-data; name=…)");
        const isFile = name === "file";
        if (isFile) {
          if (++files > 1) throw new AppError("bad-request", 'the multipart upload has more than one field named "file": send one file per import');
          yield { type: "file-start" };
        }
        part = { name, isFile, size: 0, chunks: [] };
        state = "content";
      }
      if (state === "content") {
        const p = part!;
        const at = buf.indexOf(delimiter);
        // Without a delimiter, keep only what could be the start of one.
        const take = at >= 0 ? at : Math.max(0, buf.length - delimiter.length + 1);
        if (take > 0) {
          const data = buf.subarray(0, take);
          if (p.isFile) yield { type: "file-chunk", data };
          else {
            p.size += data.length;
            if (p.size > MAX_FIELD_BYTES) throw bad(`the field "${p.name}" is longer than ${formatBytes(MAX_FIELD_BYTES)} (only "file" may be large)`);
            p.chunks.push(Buffer.from(data));
          }
          buf = buf.subarray(take);
        }
        if (at < 0) break;
        buf = buf.subarray(delimiter.length);
        const ended = endPart();
        if (ended) yield ended;
        state = "after-delimiter";
      }
    }
  }
  if (state !== "epilogue") throw bad(state === "content" && part?.isFile ? "the file part is cut off (no closing boundary)" : "the form ends without its closing boundary");
}
