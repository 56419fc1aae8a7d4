/**
 * A local stand-in for Hugging Face file downloads, for the downloader's unit tests and the e2e
 * suite (no network there). Like huggingface.co, `GET|HEAD /<owner>/<name>/resolve/<rev>/<path>`
 * answers 302 to a CDN URL and carries the LFS validators (`x-linked-etag: "<sha256>"`,
 * `x-linked-size`) on that first response only; `/cdn/<owner>/<name>/<path>` serves the bytes
 * with `Range: bytes=N-` support. Test knobs: throttling, cutting the next body, no range support.
 *
 * CLI (prints its URL, runs until killed):
 *   node --import tsx lib/providers/testing/hf-mock-server.ts --port 8102 --file owner/name/path.gguf=/abs/file.gguf [--throttle 200000] [--no-range]
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";

export interface HfMockFile {
  /** `owner/name` */
  repo: string;
  /** Path inside the repository, e.g. `q4/model.gguf`. */
  path: string;
  bytes: Buffer;
  /** Announce this in `x-linked-etag` instead of the real digest, to simulate a bad checksum. */
  sha256?: string;
}

export interface HfMockServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  requests: { method: string; url: string; range?: string }[];
  /** The next body response destroys its socket after sending this many bytes. */
  cutNextAfter(bytes: number): void;
  setThrottle(bytesPerSecond: number | null): void;
  close(): Promise<void>;
}

export interface HfMockOptions {
  port?: number;
  throttleBytesPerSecond?: number;
  /** Ignore `Range` and always answer 200 with the whole file, like a server without range support. */
  noRange?: boolean;
}

const TICK_MS = 25;
const CHUNK = 64 * 1024;

export async function startHfMockServer(files: HfMockFile[], options: HfMockOptions = {}): Promise<HfMockServer> {
  const byKey = new Map(
    files.map((f) => [
      `${f.repo}/${f.path}`,
      {
        ...f,
        sha256: f.sha256 ?? createHash("sha256").update(f.bytes).digest("hex"),
      },
    ]),
  );
  const requests: HfMockServer["requests"] = [];
  let throttle = options.throttleBytesPerSecond ?? null;
  let cutAfter: number | null = null;

  const server = createServer((req, res) => {
    const url = req.url ?? "/";
    const range = req.headers.range;
    requests.push({
      method: req.method ?? "GET",
      url,
      ...(range ? { range } : {}),
    });
    if (req.method !== "GET" && req.method !== "HEAD") return plain(res, 405, "Method not allowed");

    const segments = decodeURIComponent(new URL(url, "http://x").pathname).split("/").filter(Boolean);
    if (segments[0] === "cdn") {
      const file = byKey.get(segments.slice(1).join("/"));
      if (!file) return plain(res, 404, "Entry not found");
      const cut = cutAfter;
      if (req.method === "GET") cutAfter = null;
      return serveBytes(req, res, file.bytes, {
        throttle,
        cut,
        noRange: options.noRange ?? false,
      });
    }
    // <owner>/<name>/resolve/<rev>/<path...>
    if (segments.length >= 5 && segments[2] === "resolve") {
      const repo = `${segments[0]}/${segments[1]}`;
      const path = segments.slice(4).join("/");
      const file = byKey.get(`${repo}/${path}`);
      if (!file) {
        res.setHeader("x-error-code", "EntryNotFound");
        return plain(res, 404, "Entry not found");
      }
      res.writeHead(302, {
        location: `/cdn/${repo}/${path}`,
        "x-linked-etag": `"${file.sha256}"`,
        "x-linked-size": String(file.bytes.length),
        "x-repo-commit": "0".repeat(40),
        "content-length": "0",
      });
      return res.end();
    }
    plain(res, 404, "Repository not found");
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    cutNextAfter(bytes) {
      cutAfter = bytes;
    },
    setThrottle(bytesPerSecond) {
      throttle = bytesPerSecond;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    "content-type": "text/plain",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

function serveBytes(req: IncomingMessage, res: ServerResponse, bytes: Buffer, how: { throttle: number | null; cut: number | null; noRange: boolean }): void {
  let start = 0;
  const match = how.noRange ? null : /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
  if (match) {
    start = Number(match[1]);
    if (start >= bytes.length) {
      res.writeHead(416, {
        "content-range": `bytes */${bytes.length}`,
        "content-length": "0",
      });
      return void res.end();
    }
  }
  const body = bytes.subarray(start);
  res.writeHead(match ? 206 : 200, {
    "content-type": "application/octet-stream",
    "content-length": String(body.length),
    ...(how.noRange ? {} : { "accept-ranges": "bytes" }),
    ...(match
      ? {
          "content-range": `bytes ${start}-${bytes.length - 1}/${bytes.length}`,
        }
      : {}),
    etag: `"cdn-${bytes.length}"`,
  });
  if (req.method === "HEAD") return void res.end();

  const limit = how.cut === null ? body.length : Math.min(how.cut, body.length);
  const perTick = how.throttle === null ? CHUNK : Math.max(1, Math.round((how.throttle * TICK_MS) / 1000));
  let sent = 0;
  let timer: NodeJS.Timeout | undefined;
  res.on("close", () => clearTimeout(timer));
  const pump = (): void => {
    while (sent < limit) {
      const chunk = body.subarray(sent, Math.min(limit, sent + perTick));
      sent += chunk.length;
      const last = sent >= limit;
      const flushed = res.write(chunk, last && how.cut !== null ? () => res.socket?.destroy() : undefined);
      if (last) break;
      if (how.throttle !== null) {
        timer = setTimeout(pump, TICK_MS);
        return;
      }
      if (!flushed) return void res.once("drain", pump);
    }
    if (how.cut === null) res.end();
  };
  pump();
}

function parseArgs(argv: string[]): {
  port: number;
  throttle?: number;
  noRange: boolean;
  files: HfMockFile[];
} {
  let port = 8102;
  let throttle: number | undefined;
  let noRange = false;
  const files: HfMockFile[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if (arg === "--no-range") noRange = true;
    else if (arg === "--port" && value) {
      port = Number(value);
      i++;
    } else if (arg === "--throttle" && value) {
      throttle = Number(value);
      i++;
    } else if (arg === "--file" && value) {
      const eq = value.indexOf("=");
      const [owner, name, ...rest] = value.slice(0, eq).split("/");
      if (eq < 0 || !owner || !name || rest.length === 0) throw new Error(`--file wants owner/name/path.gguf=/abs/file.gguf, got ${value}`);
      files.push({
        repo: `${owner}/${name}`,
        path: rest.join("/"),
        bytes: readFileSync(value.slice(eq + 1)),
      });
      i++;
    } else throw new Error(`Unknown argument ${arg}`);
  }
  return { port, throttle, noRange, files };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = parseArgs(process.argv.slice(2));
  const server = await startHfMockServer(args.files, {
    port: args.port,
    throttleBytesPerSecond: args.throttle,
    noRange: args.noRange,
  });
  console.log(`hf-mock-server listening on ${server.url}`);
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void server.close().then(() => process.exit(0)));
}
