import "server-only";
import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readFile, rename, rm, stat, writeFile, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Resumable, verified download of GGUF model files (server side).
 *
 * Bytes go to `dest.part`; `dest.part.json` remembers what they belong to (URL, validators), so a
 * later call resumes with `Range`. Hugging Face puts the file's SHA-256 and size on the first
 * response of `/resolve/` (`x-linked-etag`, `x-linked-size`) and 302s to a CDN that lacks them,
 * which is why redirects are followed by hand. The digest is computed while streaming and checked
 * before the atomic rename to `dest`.
 */

export type DownloadErrorCode = "offline" | "not-found" | "unauthorized" | "checksum" | "not-gguf" | "http" | "aborted" | "disk";

export class DownloadError extends Error {
  readonly name = "DownloadError";
  constructor(
    readonly code: DownloadErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface DownloadProgress {
  /** Bytes on disk so far, including a resumed part. */
  receivedBytes: number;
  /** When known (content-length / x-linked-size / content-range). */
  totalBytes?: number;
  /** Sliding window over the last ~3 s; 0 at start. */
  bytesPerSecond: number;
  /** When total and speed are known. */
  etaSeconds?: number;
  /** Bytes already in the .part file when this attempt started. */
  resumedFrom: number;
}

export interface DownloadOptions {
  /** http(s) URL; resolve `hf:` URIs with {@link resolveHfUrl} first. */
  url: string;
  /** Final file path; parent directories are created. */
  dest: string;
  /** Hex digest; when absent, taken from Hugging Face's `x-linked-etag` when present. */
  expectedSha256?: string;
  signal?: AbortSignal;
  /** Throttled to at most ~10 calls/s, plus a final call. */
  onProgress?: (p: DownloadProgress) => void;
  /** E.g. `authorization: Bearer <HF_TOKEN>`; dropped on redirects to another origin (the CDN URL is signed). */
  headers?: Record<string, string>;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  sha256: string;
  /** False when no expected digest was known (the GGUF magic was still checked). */
  verified: boolean;
  resumedFrom: number;
}

/** What `dest.part.json` holds. */
interface PartInfo {
  url: string;
  sha256?: string;
  totalBytes?: number;
  etag?: string;
}

/** The final response of a request whose redirects were followed by hand. */
interface Fetched {
  response: Response;
  linkedSha256?: string;
  linkedSize?: number;
}

const HF_ENDPOINT = "https://huggingface.co";
const MAX_REDIRECTS = 5;
const PROGRESS_INTERVAL_MS = 100;
const SPEED_WINDOW_MS = 3000;
const GGUF_MAGIC = "GGUF";
const SHA256_HEX = /^[0-9a-f]{64}$/;
/** Error codes meaning no route to the server at all, rather than a server that failed. */
const OFFLINE_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ENETUNREACH", "EHOSTUNREACH", "ENETDOWN", "UND_ERR_CONNECT_TIMEOUT"]);

/**
 * `hf:owner/repo/path/file.gguf` or `hf:owner/repo@revision/path/file.gguf` to
 * `${endpoint}/owner/repo/resolve/${revision ?? "main"}/path/file.gguf`.
 * Throws DownloadError("not-found") for a malformed URI.
 */
export function resolveHfUrl(uri: string, endpoint: string = HF_ENDPOINT): string {
  const malformed = (why: string) =>
    new DownloadError(
      "not-found",
      `"${uri}" is not a valid Hugging Face URI (${why}); write it as hf:owner/repo/path/to/file.gguf or hf:owner/repo@revision/path/to/file.gguf.`,
    );
  if (!uri.startsWith("hf:")) throw malformed('it must start with "hf:"');
  const [owner, repoAndRev, ...path] = uri.slice(3).replace(/^\/+/, "").split("/");
  if (!owner || !repoAndRev) throw malformed("the owner/repo part is missing");
  if (path.length === 0 || path.some((s) => s === "" || s === "." || s === ".."))
    throw malformed("the file path inside the repository is missing or has empty, . or .. parts");
  const at = repoAndRev.indexOf("@");
  const repo = at < 0 ? repoAndRev : repoAndRev.slice(0, at);
  const revision = at < 0 ? "main" : repoAndRev.slice(at + 1);
  if (!repo || !revision) throw malformed(at < 0 ? "the repository name is empty" : "the repository name or revision around @ is empty");
  // Owner, repo and revision name folders of the models cache: nothing that could climb out of it.
  const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
  for (const [what, part] of [["owner", owner], ["repository", repo], ["revision", revision]] as const) {
    if (!NAME.test(part) || part.includes("..")) throw malformed(`the ${what} "${part}" may only use letters, digits, . _ and - (no "..")`);
  }
  if (path.some((s) => s.includes("\\") || s.includes("\0"))) throw malformed("the file path has a backslash or NUL");
  const base = endpoint.replace(/\/+$/, "");
  const encode = (s: string) => encodeURIComponent(s);
  return `${base}/${encode(owner)}/${encode(repo)}/resolve/${encode(revision)}/${path.map(encode).join("/")}`;
}

/**
 * Download `url` to `dest`, resuming a previous `dest.part`, verifying the SHA-256 (given, or
 * announced by Hugging Face) and the GGUF magic, then renaming atomically. Failures are
 * DownloadErrors whose one-sentence message says what to do; after a cut connection or an abort
 * the part stays on disk and the next call resumes it.
 */
export async function downloadFile(options: DownloadOptions): Promise<DownloadResult> {
  const { url, dest } = options;
  const part = `${dest}.part`;
  const infoPath = `${part}.json`;
  const label = fileLabel(url);
  const expectedGiven = options.expectedSha256?.trim().toLowerCase();
  if (expectedGiven !== undefined && !SHA256_HEX.test(expectedGiven)) {
    throw new DownloadError(
      "checksum",
      `The expected SHA-256 "${options.expectedSha256}" for ${label} is not 64 hex digits; pass the digest from the model card.`,
    );
  }

  await disk(dest, () => mkdir(dirname(dest), { recursive: true }));
  const previous = await readPartInfo(infoPath);
  let offset = previous?.url === url ? await sizeOf(part) : 0;
  if (offset > 0 && expectedGiven && previous?.sha256 && previous.sha256 !== expectedGiven) offset = 0;
  if (offset === 0) await discardPart(part, infoPath);

  let fetched = await request(url, options, offset, label);
  if (offset > 0 && !sameValidator(previous, fetched)) {
    // The file changed on the server since the part was written: its bytes are worthless.
    await cancel(fetched.response);
    await discardPart(part, infoPath);
    offset = 0;
    fetched = await request(url, options, 0, label);
  }

  let { response } = fetched;
  if (response.status === 416 && offset > 0) {
    const total = contentRangeTotal(response) ?? fetched.linkedSize ?? previous?.totalBytes;
    await cancel(response);
    if (total === offset)
      return finish({
        options,
        part,
        infoPath,
        label,
        expected: expectedGiven ?? fetched.linkedSha256 ?? previous?.sha256,
        total,
        offset,
        hash: undefined,
        received: offset,
      });
    await discardPart(part, infoPath);
    offset = 0;
    fetched = await request(url, options, 0, label);
    response = fetched.response;
  }
  if (response.status !== 200 && response.status !== 206) {
    await cancel(response);
    throw statusError(response.status, label, url);
  }
  // Append only to a 206 that starts where the part ends; anything else is the whole file.
  if (!(response.status === 206 && contentRangeStart(response) === offset)) {
    if (response.status === 206 && contentRangeStart(response) !== 0) {
      await cancel(response);
      throw new DownloadError("http", `The server answered ${label} with a range that does not match the request; delete ${part} and run again.`);
    }
    offset = 0;
  }

  const expected = expectedGiven ?? fetched.linkedSha256;
  const length = Number(response.headers.get("content-length") ?? Number.NaN);
  const total = contentRangeTotal(response) ?? fetched.linkedSize ?? (Number.isFinite(length) ? offset + length : undefined);
  const info: PartInfo = {
    url,
    ...(expected ? { sha256: expected } : {}),
    ...(total !== undefined ? { totalBytes: total } : {}),
    ...(validatorOf(fetched) ? { etag: validatorOf(fetched) } : {}),
  };
  await disk(part, () => writeFile(infoPath, JSON.stringify(info)));

  const hash = createHash("sha256");
  if (offset > 0) {
    await disk(part, async () => {
      for await (const chunk of createReadStream(part, { end: offset - 1 })) hash.update(chunk as Buffer);
    });
  }
  const received = await streamBody({
    response,
    part,
    offset,
    total,
    hash,
    label,
    options,
  });
  return finish({
    options,
    part,
    infoPath,
    label,
    expected,
    total,
    offset,
    hash,
    received,
  });
}

/** Write the body to the part (appending at `offset`), feeding the hash and reporting progress. Returns the part's size. */
async function streamBody(args: {
  response: Response;
  part: string;
  offset: number;
  total: number | undefined;
  hash: Hash;
  label: string;
  options: DownloadOptions;
}): Promise<number> {
  const { response, part, offset, total, hash, label, options } = args;
  const progress = new ProgressMeter(offset, total, options.onProgress);
  let head: Buffer = Buffer.alloc(0);
  let received = offset;
  let handle: FileHandle | undefined;
  const reader = response.body?.getReader();
  try {
    if (offset >= GGUF_MAGIC.length) {
      head = await readHead(part);
      checkMagic(head, label);
    }
    handle = await disk(part, () => open(part, offset > 0 ? "a" : "w"));
    progress.report(received, true);
    if (!reader) throw new DownloadError("http", `The server sent no body for ${label}; run again later.`);
    for (;;) {
      let step: ReadableStreamReadResult<Uint8Array>;
      try {
        step = await reader.read();
      } catch (error) {
        if (options.signal?.aborted) throw abortedError(label, received);
        throw cutError(label, received, error);
      }
      if (step.done) break;
      const chunk = step.value;
      if (head.length < GGUF_MAGIC.length) {
        head = Buffer.concat([head, chunk]).subarray(0, GGUF_MAGIC.length);
        // Check as soon as 4 bytes are in, so an HTML error page or a wrong file is not fetched in full.
        if (head.length >= GGUF_MAGIC.length) checkMagic(head, label);
      }
      await disk(part, () => handle!.write(chunk));
      hash.update(chunk);
      received += chunk.length;
      progress.report(received, false);
    }
  } catch (error) {
    await reader?.cancel().catch(() => {});
    if (error instanceof DownloadError && error.code === "not-gguf") {
      await handle?.close().catch(() => {});
      handle = undefined;
      await discardPart(part, `${part}.json`);
    }
    throw error;
  } finally {
    await handle?.close().catch(() => {});
  }
  if (options.signal?.aborted) throw abortedError(label, received);
  if (total !== undefined && received < total) throw cutError(label, received, undefined);
  progress.report(received, true);
  return received;
}

/** Verify the finished part and rename it into place. With `hash` undefined the part was complete already and is hashed here. */
async function finish(args: {
  options: DownloadOptions;
  part: string;
  infoPath: string;
  label: string;
  expected: string | undefined;
  total: number | undefined;
  offset: number;
  hash: Hash | undefined;
  received: number;
}): Promise<DownloadResult> {
  const { options, part, infoPath, label, expected, offset, received } = args;
  let { hash } = args;
  if (!hash) {
    const whole = createHash("sha256");
    await disk(part, async () => {
      for await (const chunk of createReadStream(part)) whole.update(chunk as Buffer);
    });
    hash = whole;
    const head = await readHead(part);
    try {
      checkMagic(head, label);
    } catch (error) {
      await discardPart(part, infoPath);
      throw error;
    }
    options.onProgress?.({
      receivedBytes: received,
      totalBytes: args.total,
      bytesPerSecond: 0,
      resumedFrom: offset,
    });
  }
  const sha256 = hash.digest("hex");
  if (expected && sha256 !== expected) {
    await discardPart(part, infoPath);
    throw new DownloadError(
      "checksum",
      `The download of ${label} is corrupt (expected SHA-256 ${expected}, got ${sha256}), so the partial file was deleted; run again to download it from scratch.`,
    );
  }
  await disk(options.dest, () => rename(part, options.dest));
  await rm(infoPath, { force: true });
  return {
    path: options.dest,
    bytes: received,
    sha256,
    verified: expected !== undefined,
    resumedFrom: offset,
  };
}

/** GET with `redirect: "manual"`, keeping the Hugging Face LFS headers from whichever hop carries them. */
async function request(url: string, options: DownloadOptions, offset: number, label: string): Promise<Fetched> {
  let current = new URL(url);
  const origin = current.origin;
  let linkedSha256: string | undefined;
  let linkedSize: number | undefined;
  for (let hop = 0; ; hop++) {
    const headers: Record<string, string> = {
      "accept-encoding": "identity",
      ...(current.origin === origin ? options.headers : withoutAuth(options.headers)),
    };
    if (offset > 0) headers.range = `bytes=${offset}-`;
    let response: Response;
    try {
      response = await fetch(current, {
        headers,
        redirect: "manual",
        signal: options.signal,
      });
    } catch (error) {
      throw fetchError(error, current, label, options.signal, offset);
    }
    const etag = response.headers.get("x-linked-etag");
    const sha = etag ? unquote(etag).toLowerCase() : undefined;
    if (sha && SHA256_HEX.test(sha)) linkedSha256 ??= sha;
    const size = Number(response.headers.get("x-linked-size") ?? Number.NaN);
    if (Number.isSafeInteger(size) && size >= 0) linkedSize ??= size;

    const location = response.headers.get("location");
    if (![301, 302, 303, 307, 308].includes(response.status) || !location) return { response, linkedSha256, linkedSize };
    await cancel(response);
    if (hop >= MAX_REDIRECTS) throw new DownloadError("http", `The download of ${label} was redirected more than ${MAX_REDIRECTS} times; check the URL.`);
    current = new URL(location, current);
  }
}

function withoutAuth(headers: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => name.toLowerCase() !== "authorization"));
}

/** The validator remembered in the sidecar: the LFS sha256 when the server announced one, else the HTTP etag. */
function validatorOf(fetched: Fetched): string | undefined {
  return fetched.linkedSha256 ?? fetched.response.headers.get("etag") ?? undefined;
}

function sameValidator(previous: PartInfo | undefined, fetched: Fetched): boolean {
  if (!previous) return false;
  const now = validatorOf(fetched);
  if (previous.etag && now && previous.etag !== now) return false;
  if (previous.sha256 && fetched.linkedSha256 && previous.sha256 !== fetched.linkedSha256) return false;
  return true;
}

function contentRangeStart(response: Response): number | undefined {
  const match = /^bytes (\d+)-\d+\/(?:\d+|\*)$/.exec(response.headers.get("content-range") ?? "");
  return match ? Number(match[1]) : undefined;
}

function contentRangeTotal(response: Response): number | undefined {
  const match = /\/(\d+)$/.exec(response.headers.get("content-range") ?? "");
  return match ? Number(match[1]) : undefined;
}

function statusError(status: number, label: string, url: string): DownloadError {
  const host = new URL(url).host;
  if (status === 404) return new DownloadError("not-found", `${label} was not found on ${host} (404); check the repository, revision and file name.`);
  if (status === 401 || status === 403) {
    return new DownloadError(
      "unauthorized",
      `${host} refused access to ${label} (${status}); for a gated or private repository accept its terms on the model page and set HF_TOKEN to an access token.`,
    );
  }
  return new DownloadError("http", `${host} answered ${status} for ${label}; try again later.`);
}

function fetchError(error: unknown, url: URL, label: string, signal: AbortSignal | undefined, offset: number): DownloadError {
  if (signal?.aborted) return abortedError(label, offset);
  const codes = errorCodes(error);
  if (codes.some((c) => OFFLINE_CODES.has(c))) {
    return new DownloadError(
      "offline",
      `Could not reach ${url.host} to download ${label}: this machine seems to be offline, so connect it to the network and run again.`,
      {
        cause: error,
      },
    );
  }
  return new DownloadError("http", `The request to ${url.host} for ${label} failed (${describe(error)}); check the network and run again.`, { cause: error });
}

/** Error codes along the cause chain (undici wraps the socket error in TypeError("fetch failed"), sometimes in an AggregateError). */
function errorCodes(error: unknown, depth = 0): string[] {
  if (!error || typeof error !== "object" || depth > 5) return [];
  const e = error as { code?: unknown; cause?: unknown; errors?: unknown };
  const own = typeof e.code === "string" ? [e.code] : [];
  const nested = Array.isArray(e.errors) ? e.errors.flatMap((x) => errorCodes(x, depth + 1)) : [];
  return [...own, ...nested, ...errorCodes(e.cause, depth + 1)];
}

function describe(error: unknown): string {
  const codes = errorCodes(error);
  const message = error instanceof Error ? error.message : String(error);
  return codes.length > 0 ? `${message}: ${codes.join(", ")}` : message;
}

function abortedError(label: string, received: number): DownloadError {
  return new DownloadError("aborted", `The download of ${label} was cancelled after ${megabytes(received)} MB; run again to resume it.`);
}

function cutError(label: string, received: number, cause: unknown): DownloadError {
  return new DownloadError("http", `The download of ${label} failed because the connection was cut after ${megabytes(received)} MB; run again to resume.`, {
    cause,
  });
}

function checkMagic(head: Buffer, label: string): void {
  const magic = head.subarray(0, GGUF_MAGIC.length);
  if (magic.toString("latin1") === GGUF_MAGIC) return;
  const shown = JSON.stringify(magic.toString("latin1")).slice(1, -1);
  throw new DownloadError("not-gguf", `${label} is not a GGUF file (starts with "${shown}"), so it was deleted; check the URI points at a .gguf file.`);
}

/** Runs a file operation, turning its failure into DownloadError("disk"). */
async function disk<T>(path: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof DownloadError) throw error;
    const code = errorCodes(error)[0] ?? "unknown error";
    throw new DownloadError("disk", `Could not write ${path} (${code}); free disk space or check the folder's permissions, then run again.`, { cause: error });
  }
}

async function readPartInfo(path: string): Promise<PartInfo | undefined> {
  try {
    const value: unknown = JSON.parse(await readFile(path, "utf8"));
    if (value && typeof value === "object" && typeof (value as PartInfo).url === "string") return value as PartInfo;
  } catch {
    // Missing or unreadable: the part (if any) cannot be trusted and is restarted.
  }
  return undefined;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function readHead(path: string): Promise<Buffer> {
  const handle = await disk(path, () => open(path, "r"));
  try {
    const buffer = Buffer.alloc(GGUF_MAGIC.length);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function discardPart(part: string, infoPath: string): Promise<void> {
  await rm(part, { force: true });
  await rm(infoPath, { force: true });
}

async function cancel(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => {});
}

function unquote(etag: string): string {
  return etag.replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
}

function fileLabel(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.split("/").pop() || url);
  } catch {
    return url;
  }
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

/** Throttles progress reports and measures speed over a sliding window of samples. */
class ProgressMeter {
  private samples: { at: number; bytes: number }[] = [];
  private lastReport = -Infinity;

  constructor(
    private readonly resumedFrom: number,
    private readonly total: number | undefined,
    private readonly onProgress: ((p: DownloadProgress) => void) | undefined,
  ) {}

  report(received: number, force: boolean): void {
    const now = performance.now();
    this.samples.push({ at: now, bytes: received });
    while (this.samples.length > 2 && now - this.samples[1]!.at > SPEED_WINDOW_MS) this.samples.shift();
    if (!this.onProgress || (!force && now - this.lastReport < PROGRESS_INTERVAL_MS)) return;
    this.lastReport = now;
    const first = this.samples[0]!;
    const seconds = (now - first.at) / 1000;
    const bytesPerSecond = seconds > 0 ? (received - first.bytes) / seconds : 0;
    const etaSeconds = this.total !== undefined && bytesPerSecond > 0 ? Math.max(0, this.total - received) / bytesPerSecond : undefined;
    this.onProgress({
      receivedBytes: received,
      ...(this.total !== undefined ? { totalBytes: this.total } : {}),
      bytesPerSecond,
      ...(etaSeconds !== undefined ? { etaSeconds } : {}),
      resumedFrom: this.resumedFrom,
    });
  }
}
