import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startHfMockServer, type HfMockServer } from "../testing/hf-mock-server";
import { tinyGguf } from "../testing/tiny-gguf";
import { downloadFile, DownloadError, resolveHfUrl, type DownloadProgress } from "./download";

const MODEL = tinyGguf();
const MODEL_SHA = createHash("sha256").update(MODEL).digest("hex");
const NOT_GGUF = Buffer.from("hello, this is an HTML page pretending to be a model ".repeat(100));

let server: HfMockServer;
let dir: string;

beforeAll(async () => {
  server = await startHfMockServer([
    { repo: "tiny/llama", path: "tiny.gguf", bytes: MODEL },
    { repo: "tiny/llama", path: "q4/nested/tiny.gguf", bytes: MODEL },
    {
      repo: "tiny/llama",
      path: "corrupt.gguf",
      bytes: MODEL,
      sha256: "0".repeat(64),
    },
    { repo: "tiny/llama", path: "readme.gguf", bytes: NOT_GGUF },
  ]);
});
afterAll(() => server.close());

afterEach(() => {
  server.setThrottle(null);
  server.requests.length = 0;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function tempDest(name = "tiny.gguf"): string {
  dir = mkdtempSync(join(tmpdir(), "hintlab-download-"));
  return join(dir, "models", name);
}

async function rejection(promise: Promise<unknown>): Promise<DownloadError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DownloadError);
  return error as DownloadError;
}

/** One sentence: ends with a period and has no sentence break inside (file names contain dots, so look for ". "). */
function expectOneSentence(message: string): void {
  expect(message).toMatch(/\.$/);
  expect(message.slice(0, -1)).not.toMatch(/[.!?] [A-Z]/);
}

describe("resolveHfUrl", () => {
  it("maps owner/repo/path to the resolve URL on main", () => {
    expect(resolveHfUrl("hf:Qwen/Qwen3-0.6B-GGUF/Qwen3-0.6B-Q8_0.gguf")).toBe("https://huggingface.co/Qwen/Qwen3-0.6B-GGUF/resolve/main/Qwen3-0.6B-Q8_0.gguf");
  });

  it("takes a revision after @ and keeps nested paths", () => {
    expect(resolveHfUrl("hf:owner/repo@v1.2/q4/nested/file.gguf", "http://127.0.0.1:9/")).toBe(
      "http://127.0.0.1:9/owner/repo/resolve/v1.2/q4/nested/file.gguf",
    );
  });

  it.each([
    "Qwen/Qwen3/file.gguf",
    "hf:owner",
    "hf:owner/repo",
    "hf:owner/repo/",
    "hf:owner/repo@/file.gguf",
    "hf:owner/@main/file.gguf",
    "hf:owner/repo/../x.gguf",
  ])("rejects the malformed URI %s with a message", (uri) => {
    let error: unknown;
    try {
      resolveHfUrl(uri);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DownloadError);
    expect((error as DownloadError).code).toBe("not-found");
    expect((error as DownloadError).message).toContain("hf:owner/repo/path/to/file.gguf");
  });
});

describe("downloadFile", () => {
  it("downloads through the Hugging Face redirect, verifies the announced sha256 and reports progress", async () => {
    const dest = tempDest();
    const events: DownloadProgress[] = [];
    server.setThrottle(1_500_000);
    const result = await downloadFile({
      url: resolveHfUrl("hf:tiny/llama/q4/nested/tiny.gguf", server.url),
      dest,
      onProgress: (p) => events.push(p),
    });

    expect(readFileSync(dest).equals(MODEL)).toBe(true);
    expect(result).toEqual({
      path: dest,
      bytes: MODEL.length,
      sha256: MODEL_SHA,
      verified: true,
      resumedFrom: 0,
    });
    expect(existsSync(`${dest}.part`) || existsSync(`${dest}.part.json`)).toBe(false);
    expect(server.requests.map((r) => r.url)).toEqual(["/tiny/llama/resolve/main/q4/nested/tiny.gguf", "/cdn/tiny/llama/q4/nested/tiny.gguf"]);

    expect(events.length).toBeGreaterThanOrEqual(3);
    for (const [i, e] of events.entries()) {
      expect(e.totalBytes).toBe(MODEL.length);
      if (i > 0) expect(e.receivedBytes).toBeGreaterThanOrEqual(events[i - 1]!.receivedBytes);
    }
    expect(events.at(-1)!.receivedBytes).toBe(MODEL.length);
    expect(events[0]!.bytesPerSecond).toBe(0);
    const measured = events.filter((e) => e.bytesPerSecond > 0);
    expect(measured.length).toBeGreaterThan(0);
    // Throttled to 1.5 MB/s: the measured speed is in that range, not a per-chunk burst.
    for (const e of measured) expect(e.bytesPerSecond).toBeLessThan(5_000_000);
    expect(events.some((e) => e.etaSeconds !== undefined && e.etaSeconds > 0)).toBe(true);
  });

  it("resumes with a Range request after the connection was cut", async () => {
    const dest = tempDest();
    const url = resolveHfUrl("hf:tiny/llama/tiny.gguf", server.url);
    server.cutNextAfter(100_000);
    const cut = await rejection(downloadFile({ url, dest }));
    expect(cut.code).toBe("http");
    expect(cut.message).toMatch(/connection was cut after 0\.1 MB; run again to resume\.$/);
    const partSize = statSync(`${dest}.part`).size;
    expect(partSize).toBeGreaterThanOrEqual(50_000);
    expect(partSize).toBeLessThan(MODEL.length);
    expect(JSON.parse(readFileSync(`${dest}.part.json`, "utf8"))).toMatchObject({ url, sha256: MODEL_SHA, totalBytes: MODEL.length });
    expect(existsSync(dest)).toBe(false);

    server.requests.length = 0;
    const events: DownloadProgress[] = [];
    const result = await downloadFile({
      url,
      dest,
      onProgress: (p) => events.push(p),
    });
    expect(server.requests.every((r) => r.range === `bytes=${partSize}-`)).toBe(true);
    expect(result.resumedFrom).toBe(partSize);
    expect(result.verified).toBe(true);
    expect(result.sha256).toBe(MODEL_SHA);
    expect(readFileSync(dest).equals(MODEL)).toBe(true);
    expect(events[0]).toMatchObject({
      receivedBytes: partSize,
      resumedFrom: partSize,
    });
    expect(existsSync(`${dest}.part`) || existsSync(`${dest}.part.json`)).toBe(false);
  });

  it("treats a complete part answered with 416 as done", async () => {
    const dest = tempDest();
    const url = resolveHfUrl("hf:tiny/llama/tiny.gguf", server.url);
    server.cutNextAfter(100_000);
    await rejection(downloadFile({ url, dest }));
    // As if the last bytes had arrived but the rename had not happened (say, the process was killed).
    writeFileSync(`${dest}.part`, MODEL);
    server.requests.length = 0;
    const result = await downloadFile({ url, dest });
    expect(server.requests.at(-1)).toMatchObject({
      url: "/cdn/tiny/llama/tiny.gguf",
      range: `bytes=${MODEL.length}-`,
    });
    expect(result).toEqual({
      path: dest,
      bytes: MODEL.length,
      sha256: MODEL_SHA,
      verified: true,
      resumedFrom: MODEL.length,
    });
    expect(readFileSync(dest).equals(MODEL)).toBe(true);
    expect(existsSync(`${dest}.part.json`)).toBe(false);
  });

  it("starts over when the part belongs to another URL", async () => {
    const dest = tempDest();
    server.cutNextAfter(100_000);
    await rejection(
      downloadFile({
        url: resolveHfUrl("hf:tiny/llama/tiny.gguf", server.url),
        dest,
      }),
    );
    server.requests.length = 0;
    const result = await downloadFile({
      url: resolveHfUrl("hf:tiny/llama/q4/nested/tiny.gguf", server.url),
      dest,
    });
    expect(server.requests.some((r) => r.range)).toBe(false);
    expect(result.resumedFrom).toBe(0);
    expect(readFileSync(dest).equals(MODEL)).toBe(true);
  });

  it("deletes a download whose sha256 does not match and says so", async () => {
    const dest = tempDest();
    const error = await rejection(
      downloadFile({
        url: resolveHfUrl("hf:tiny/llama/corrupt.gguf", server.url),
        dest,
      }),
    );
    expect(error.code).toBe("checksum");
    expect(error.message).toContain("0".repeat(64));
    expect(error.message).toContain(MODEL_SHA);
    expect(error.message).toMatch(/deleted/);
    expectOneSentence(error.message);
    expect(existsSync(dest) || existsSync(`${dest}.part`) || existsSync(`${dest}.part.json`)).toBe(false);
  });

  it("prefers the caller's expected sha256 and reports verified: false without any", async () => {
    const dest = tempDest();
    const wrong = await rejection(
      downloadFile({
        url: resolveHfUrl("hf:tiny/llama/tiny.gguf", server.url),
        dest,
        expectedSha256: "a".repeat(64),
      }),
    );
    expect(wrong.code).toBe("checksum");

    // A plain URL without the LFS headers: nothing to verify against, but the magic is still checked.
    const result = await downloadFile({
      url: `${server.url}/cdn/tiny/llama/tiny.gguf`,
      dest,
    });
    expect(result).toMatchObject({
      verified: false,
      sha256: MODEL_SHA,
      bytes: MODEL.length,
    });
  });

  it("rejects a file that is not a GGUF and leaves nothing behind", async () => {
    const dest = tempDest();
    const error = await rejection(
      downloadFile({
        url: resolveHfUrl("hf:tiny/llama/readme.gguf", server.url),
        dest,
      }),
    );
    expect(error.code).toBe("not-gguf");
    expect(error.message).toContain('starts with "hell"');
    expect(error.message).toContain("check the URI");
    expect(existsSync(dest) || existsSync(`${dest}.part`) || existsSync(`${dest}.part.json`)).toBe(false);
  });

  it("maps 404 to not-found", async () => {
    const dest = tempDest();
    const error = await rejection(
      downloadFile({
        url: resolveHfUrl("hf:tiny/llama/missing.gguf", server.url),
        dest,
      }),
    );
    expect(error.code).toBe("not-found");
    expect(error.message).toContain("missing.gguf");
    expectOneSentence(error.message);
    expect(existsSync(`${dest}.part`)).toBe(false);
  });

  it("maps 401/403 to unauthorized and points at HF_TOKEN", async () => {
    const gated = createServer((req, res) => {
      res.writeHead(req.headers.authorization ? 403 : 401, {
        "content-length": "0",
      });
      res.end();
    });
    await new Promise<void>((resolve) => gated.listen(0, "127.0.0.1", resolve));
    const url = resolveHfUrl("hf:meta/gated/model.gguf", `http://127.0.0.1:${(gated.address() as AddressInfo).port}`);
    try {
      for (const headers of [undefined, { authorization: "Bearer hf_wrong" }]) {
        const error = await rejection(downloadFile({ url, dest: tempDest(), headers }));
        expect(error.code).toBe("unauthorized");
        expect(error.message).toContain(headers ? "(403)" : "(401)");
        expect(error.message).toContain("HF_TOKEN");
        expectOneSentence(error.message);
      }
    } finally {
      await new Promise((resolve) => gated.close(resolve));
    }
  });

  it("says the machine is offline when the host cannot be reached", async () => {
    const closed = await startHfMockServer([]);
    const host = new URL(closed.url).host;
    await closed.close();
    const error = await rejection(
      downloadFile({
        url: resolveHfUrl("hf:tiny/llama/tiny.gguf", closed.url),
        dest: tempDest(),
      }),
    );
    expect(error.code).toBe("offline");
    expect(error.message).toBe(`Could not reach ${host} to download tiny.gguf: this machine seems to be offline, so connect it to the network and run again.`);
    expectOneSentence(error.message);
  });

  it("keeps the part on abort and resumes it", async () => {
    const dest = tempDest();
    const url = resolveHfUrl("hf:tiny/llama/tiny.gguf", server.url);
    const controller = new AbortController();
    server.setThrottle(1_000_000);
    const error = await rejection(
      downloadFile({
        url,
        dest,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.receivedBytes >= 100_000) controller.abort();
        },
      }),
    );
    expect(error.code).toBe("aborted");
    const partSize = statSync(`${dest}.part`).size;
    expect(partSize).toBeGreaterThanOrEqual(100_000);
    expect(partSize).toBeLessThan(MODEL.length);
    expect(existsSync(`${dest}.part.json`)).toBe(true);

    server.setThrottle(null);
    const result = await downloadFile({ url, dest });
    expect(result.resumedFrom).toBe(partSize);
    expect(result.verified).toBe(true);
    expect(readFileSync(dest).equals(MODEL)).toBe(true);
  });
});

describe("downloadFile from a server without range support", () => {
  let plain: HfMockServer;
  beforeAll(async () => {
    plain = await startHfMockServer([{ repo: "tiny/llama", path: "tiny.gguf", bytes: MODEL }], { noRange: true });
  });
  afterAll(() => plain.close());

  it("starts over after a cut and still completes", async () => {
    const dest = tempDest();
    const url = resolveHfUrl("hf:tiny/llama/tiny.gguf", plain.url);
    plain.cutNextAfter(100_000);
    expect((await rejection(downloadFile({ url, dest }))).code).toBe("http");
    expect(statSync(`${dest}.part`).size).toBeGreaterThan(0);

    const result = await downloadFile({ url, dest });
    expect(plain.requests.at(-1)!.range).toMatch(/^bytes=\d+-$/);
    expect(result.resumedFrom).toBe(0);
    expect(result.verified).toBe(true);
    expect(readFileSync(dest).equals(MODEL)).toBe(true);
  });
});
