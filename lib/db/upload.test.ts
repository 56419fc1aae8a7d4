import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readImportRequest } from "./upload";

const R1 = readFileSync(path.resolve(import.meta.dirname, "../../e2e/fixtures/data/r1-distill-math-40.jsonl"));
const MB = 1024 * 1024;

/** A body of these bytes in pieces of `size` bytes, counting how many were pulled. */
function pieces(bytes: Uint8Array, size: number) {
  const state = { pulled: 0, cancelled: false };
  let at = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(c) {
      if (at >= bytes.length) return c.close();
      state.pulled++;
      c.enqueue(bytes.slice(at, at + size));
      at += size;
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

/** The multipart body the runtime's own encoder (undici) makes of a form. */
async function encode(form: FormData): Promise<{ bytes: Uint8Array; type: string }> {
  const res = new Response(form);
  return { bytes: new Uint8Array(await res.arrayBuffer()), type: res.headers.get("content-type")! };
}

const request = (body: ReadableStream<Uint8Array> | Uint8Array, headers: Record<string, string>) =>
  new Request("http://localhost/api/traces/import", { method: "POST", body, headers, duplex: "half" } as RequestInit);

async function readAll(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const out: Uint8Array[] = [];
  for await (const c of source) out.push(c);
  return Buffer.concat(out);
}

describe("readImportRequest", () => {
  it("multipart: the file exactly as sent, whatever the chunking; fields before and after it", async () => {
    const form = new FormData();
    form.set("mode", "all-or-nothing");
    // CRLFs, dashes and the boundary's look-alikes inside the file must stay file content.
    const file = Buffer.concat([R1, Buffer.from("\r\n--\r\n----formdata-undici-0\r\nlast line without newline")]);
    form.set("file", new Blob([file]), "r1.jsonl");
    form.set("dataset", "r1 ✓");
    const { bytes, type } = await encode(form);
    for (const size of [1, 7, 4096, 64 * 1024, bytes.length]) {
      const { stream } = pieces(bytes, size);
      const upload = await readImportRequest(request(stream, { "content-type": type }), MB);
      expect(upload.fields).toEqual({ mode: "all-or-nothing" });
      expect((await readAll(upload.source)).equals(file), `chunks of ${size}`).toBe(true);
      expect(upload.fields).toEqual({ mode: "all-or-nothing", dataset: "r1 ✓" });
    }
  });

  it("a raw body is passed through", async () => {
    const upload = await readImportRequest(request(pieces(R1, 1000).stream, { "content-type": "application/x-ndjson" }), MB);
    expect((await readAll(upload.source)).equals(R1)).toBe(true);
  });

  it("413 from a declared length over the limit, before reading a byte", async () => {
    for (const type of ["application/x-ndjson", "multipart/form-data; boundary=x"]) {
      const { stream, state } = pieces(new Uint8Array(10 * MB), 64 * 1024);
      const e = await readImportRequest(request(stream, { "content-type": type, "content-length": String(10 * MB) }), MB).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: "payload-too-large", message: "the file is larger than the import limit of 1 MB; split it into smaller files (or raise HINTLAB_IMPORT_MAX_BYTES)" });
      expect(state.pulled).toBeLessThanOrEqual(1);
    }
  });

  it("413 while streaming a chunked body, raw or multipart, after at most the limit; the body is cancelled", async () => {
    const form = new FormData();
    form.set("file", new Blob([new Uint8Array(20 * MB).fill(0x61)]), "big.jsonl");
    const { bytes, type } = await encode(form);
    for (const [body, contentType] of [
      [new Uint8Array(20 * MB).fill(0x61), "application/x-ndjson"],
      [bytes, type],
    ] as const) {
      const { stream, state } = pieces(body, 64 * 1024);
      const upload = await readImportRequest(request(stream, { "content-type": contentType }), MB);
      await expect(readAll(upload.source)).rejects.toMatchObject({ code: "payload-too-large" });
      // 1 MB of the limit (+64 KB of room for a form's headers) in 64 KB pieces, and a few in flight.
      expect(state.pulled).toBeLessThan(24);
      expect(state.cancelled).toBe(true);
    }
  });

  it("a consumer that stops early cancels the body", async () => {
    const form = new FormData();
    form.set("file", new Blob([R1]), "r1.jsonl");
    const { bytes, type } = await encode(form);
    const { stream, state } = pieces(bytes, 1024);
    const upload = await readImportRequest(request(stream, { "content-type": type }), MB);
    for await (const chunk of upload.source) {
      expect(chunk.length).toBeGreaterThan(0);
      break;
    }
    expect(state.cancelled).toBe(true);
    expect(state.pulled).toBeLessThan(10);
  });

  it("a form without a file, with two, cut off, or without a boundary: 400 saying which", async () => {
    const noFile = new FormData();
    noFile.set("mode", "valid-lines");
    const e1 = await encode(noFile);
    await expect(readImportRequest(request(e1.bytes, { "content-type": e1.type }), MB)).rejects.toMatchObject({ code: "bad-request", message: expect.stringMatching(/field named "file"/) });

    const two = new FormData();
    two.append("file", new Blob(["a\n"]), "a.jsonl");
    two.append("file", new Blob(["b\n"]), "b.jsonl");
    const e2 = await encode(two);
    const u2 = await readImportRequest(request(e2.bytes, { "content-type": e2.type }), MB);
    await expect(readAll(u2.source)).rejects.toMatchObject({ message: expect.stringMatching(/more than one field named "file"/) });

    const one = new FormData();
    one.set("file", new Blob([R1]), "r1.jsonl");
    const e3 = await encode(one);
    const u3 = await readImportRequest(request(e3.bytes.subarray(0, 100_000), { "content-type": e3.type }), MB);
    await expect(readAll(u3.source)).rejects.toMatchObject({ message: expect.stringMatching(/file part is cut off/) });

    await expect(readImportRequest(request(e3.bytes, { "content-type": "multipart/form-data" }), MB)).rejects.toMatchObject({ message: expect.stringMatching(/no boundary/) });
  });
});
