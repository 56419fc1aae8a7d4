import { AppError } from "@/lib/protocol";

/** One line of an upload: its bytes, or why it could not be kept (too long). 1-based numbers. */
export type RawLine = { line: number; bytes: Uint8Array; error?: undefined } | { line: number; error: string; bytes?: undefined };

export interface LineLimits {
  /** The whole upload; past it the import is refused (413), whatever was read. */
  maxBytes: number;
  /** One line; a longer line is reported and skipped without being held in memory. */
  maxLineBytes: number;
}

export function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${+(n / 1024 / 1024).toFixed(1)} MB` : n >= 1024 ? `${+(n / 1024).toFixed(1)} KB` : `${n} bytes`;
}

/**
 * Split a byte stream into lines at `\n` (a trailing `\r` is dropped) without decoding it, so each
 * line can be checked for binary data and invalid UTF-8 on its own. Holds at most one line.
 * Refuses compressed files and UTF-16 from their first bytes, with what to do instead.
 */
export async function* readLines(source: AsyncIterable<Uint8Array>, limits: LineLimits): AsyncGenerator<RawLine> {
  let total = 0;
  let parts: Uint8Array[] = [];
  let partLen = 0;
  let overflow = false;
  let line = 1;
  let head: Uint8Array = new Uint8Array(0);
  let headChecked = false;
  const take = (piece: Uint8Array) => {
    if (overflow) return;
    if (partLen + piece.length > limits.maxLineBytes) {
      overflow = true;
      parts = [];
      partLen = 0;
      return;
    }
    if (piece.length) {
      parts.push(piece);
      partLen += piece.length;
    }
  };
  const emit = (): RawLine => {
    const n = line++;
    if (overflow) {
      overflow = false;
      return { line: n, error: `the line is longer than ${formatBytes(limits.maxLineBytes)}; skipped` };
    }
    let bytes = parts.length === 1 ? parts[0]! : concat(parts, partLen);
    parts = [];
    partLen = 0;
    if (n === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    if (bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
    return { line: n, bytes };
  };
  for await (const chunk of source) {
    total += chunk.length;
    if (total > limits.maxBytes) {
      throw new AppError("payload-too-large", `the file is larger than the import limit of ${formatBytes(limits.maxBytes)}; split it into smaller files (or raise HINTLAB_IMPORT_MAX_BYTES)`);
    }
    if (!headChecked) {
      head = concat([head, chunk], Math.min(4, head.length + chunk.length));
      if (head.length >= 4) {
        checkMagic(head);
        headChecked = true;
      }
    }
    let pos = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, pos);
      if (nl < 0) break;
      take(chunk.subarray(pos, nl));
      yield emit();
      pos = nl + 1;
    }
    take(chunk.subarray(pos));
  }
  if (!headChecked) checkMagic(head);
  if (partLen > 0 || overflow) yield emit();
}

function concat(parts: readonly Uint8Array[], len: number): Uint8Array {
  const out = new Uint8Array(len);
  let at = 0;
  for (const p of parts) {
    out.set(p.subarray(0, len - at), at);
    at += p.length;
    if (at >= len) break;
  }
  return out;
}

function checkMagic(h: Uint8Array) {
  const is = (...b: number[]) => h.length >= b.length && b.every((x, i) => h[i] === x);
  if (is(0x1f, 0x8b)) throw new AppError("bad-request", "the file is gzip-compressed: decompress it first (gunzip FILE) and import the .jsonl");
  if (is(0x50, 0x4b, 0x03, 0x04)) throw new AppError("bad-request", "the file is a zip archive: extract the .jsonl from it first");
  if (is(0x28, 0xb5, 0x2f, 0xfd)) throw new AppError("bad-request", "the file is zstd-compressed: decompress it first (zstd -d FILE)");
  if (is(0xff, 0xfe) || is(0xfe, 0xff)) throw new AppError("bad-request", "the file is UTF-16 text: save it as UTF-8 and import it again");
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A line's bytes as text, or why they are not text. */
export function decodeLine(bytes: Uint8Array): { text: string } | { error: string } {
  const nul = bytes.indexOf(0);
  if (nul >= 0) return { error: `binary data (a NUL byte at byte ${nul + 1} of the line); only JSONL text can be imported` };
  try {
    return { text: utf8.decode(bytes) };
  } catch {
    return { error: "not valid UTF-8 (wrong encoding? save the file as UTF-8)" };
  }
}
