// The thin routes of POST /api/traces/import and GET /api/export, on a temp database
// (HINTLAB_DB); the import and export logic itself is tested in import.test.ts.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { GET as getJob, POST } from "@/app/api/traces/import/route";
import { GET } from "@/app/api/export/route";
import type { ImportReport } from "@/lib/import";
import { backends, closeSharedDb, stubTestDbEnv } from "./test-backends";

describe.each(backends)("%s", (backend) => {
  const ROOT = path.resolve(import.meta.dirname, "../..");
  const R1 = readFileSync(path.join(ROOT, "e2e/fixtures/data/r1-distill-math-40.jsonl"));
  const TORA = readFileSync(path.join(ROOT, "e2e/fixtures/data/tora-tir-math-30.jsonl"));
  const GOLDEN = path.join(ROOT, "lib/export/__golden__");

  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "hintlab-api-test-"));
    stubTestDbEnv(vi.stubEnv, backend, dir);
    vi.stubEnv("HINTLAB_DATA_DIR", dir);
  });
  afterEach(() => {
    closeSharedDb();
    vi.unstubAllEnvs();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (query: string, body: BodyInit | ReadableStream<Uint8Array>, headers: Record<string, string> = { "content-type": "application/x-ndjson" }) =>
    POST(new Request(`http://localhost/api/traces/import${query}`, { method: "POST", headers, body, duplex: "half" } as RequestInit));
  const get = (query: string) => GET(new Request(`http://localhost/api/export${query}`));

  describe("POST /api/traces/import", () => {
    it("raw NDJSON body with ?dataset and ?mode: 200 and the report", async () => {
      const res = await post("?dataset=r1&mode=all-or-nothing", R1);
      expect(res.status).toBe(200);
      const report = (await res.json()) as ImportReport;
      expect(report).toMatchObject({ mode: "all-or-nothing", committed: true, imported: 40, failed: 0 });
      const exported = await get("?format=openai&dataset=r1");
      expect((await exported.text()).trimEnd().split("\n")).toHaveLength(40);
    });

    it("multipart upload: the file field, mode and dataset as form fields", async () => {
      const form = new FormData();
      form.set("file", new Blob([TORA]), "tora.jsonl");
      form.set("dataset", "tora");
      const res = await POST(new Request("http://localhost/api/traces/import", { method: "POST", body: form }));
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ committed: true, imported: 30 });
      expect((await (await get("?format=trl&dataset=tora")).text()).trimEnd().split("\n")).toHaveLength(30);
    });

    it("all-or-nothing with a bad line: 400 naming the line, and the report", async () => {
      const body = Buffer.concat([R1.subarray(0, R1.indexOf(10) + 1), Buffer.from('{"prompt": "x"\n'), TORA]);
      const res = await post("?mode=all-or-nothing", body);
      expect(res.status).toBe(400);
      const json = (await res.json()) as { error: { code: string; message: string }; report: ImportReport };
      expect(json.error.message).toMatch(/^1 of 32 lines failed \(first: line 2: invalid JSON: .*\); nothing was imported \(all-or-nothing\)$/);
      expect(json.report).toMatchObject({ committed: false, imported: 0, errors: [{ line: 2 }] });
      expect(await (await get("?format=segments")).text()).toBe("");
    });

    it("413 from a declared length over the limit, before reading the body", async () => {
      let pulled = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          pulled++;
          c.enqueue(new Uint8Array(1024));
        },
      });
      const res = await post("", body, { "content-type": "application/x-ndjson", "content-length": String(200 * 1024 * 1024) });
      expect(res.status).toBe(413);
      expect((await res.json()).error).toEqual({ code: "payload-too-large", message: expect.stringMatching(/larger than the import limit of 100 MB/) });
      expect(pulled).toBeLessThanOrEqual(1);
    });

    it("413 from a streamed body that passes HINTLAB_IMPORT_MAX_BYTES, nothing stored", async () => {
      vi.stubEnv("HINTLAB_IMPORT_MAX_BYTES", String(64 * 1024));
      const res = await post("", R1);
      expect(res.status).toBe(413);
      expect((await res.json()).error.message).toMatch(/import limit of 64 KB/);
      expect(await (await get("?format=segments")).text()).toBe("");
    });

    it("?job=ID: the import's progress is readable while it runs and after it ends", async () => {
      const job = "job-0123456789abcdef";
      const poll = async () => {
        const res = await getJob(new Request(`http://localhost/api/traces/import?job=${job}`));
        return { status: res.status, body: (await res.json()) as { state: string; progress: { phase: string; bytes: number; written: number; total: number } } };
      };
      // The upload arrives in two parts; between them the job is readable, still reading.
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const half = R1.indexOf(10, R1.length >> 1) + 1;
      const body = new ReadableStream<Uint8Array>({
        async start(c) {
          c.enqueue(R1.subarray(0, half));
          await gate;
          c.enqueue(R1.subarray(half));
          c.close();
        },
      });
      const pending = post(`?job=${job}`, body);
      let during: Awaited<ReturnType<typeof poll>> | undefined;
      for (let i = 0; i < 100 && !during?.body.progress?.bytes; i++) {
        await new Promise((r) => setTimeout(r, 5));
        during = await poll();
      }
      expect(during).toMatchObject({ status: 200, body: { state: "running", progress: { phase: "reading", bytes: half, written: 0 } } });
      release();
      expect((await pending).status).toBe(200);
      expect(await poll()).toMatchObject({ status: 200, body: { state: "done", progress: { phase: "done", bytes: R1.length, written: 40, total: 40 } } });
      expect((await getJob(new Request("http://localhost/api/traces/import?job=job-unknown-000000000"))).status).toBe(404);
      expect((await getJob(new Request("http://localhost/api/traces/import?job=short"))).status).toBe(400);
    });

    it("?job=ID of a refused upload: the job says failed, with the message", async () => {
      vi.stubEnv("HINTLAB_IMPORT_MAX_BYTES", String(64 * 1024));
      expect((await post("?job=job-refused-000000000", R1)).status).toBe(413);
      const res = await getJob(new Request("http://localhost/api/traces/import?job=job-refused-000000000"));
      expect(await res.json()).toMatchObject({ state: "failed", error: expect.stringMatching(/import limit of 64 KB/) });
    });

    it("bad mode: 400", async () => {
      const res = await post("?mode=some", R1);
      expect(res.status).toBe(400);
      expect((await res.json()).error.message).toMatch(/mode must be valid-lines or all-or-nothing/);
    });
  });

  describe("GET /api/export", () => {
    it("streams the golden formats as an attachment", async () => {
      expect((await post("", readFileSync(path.join(GOLDEN, "input.jsonl")))).status).toBe(200);
      for (const format of ["segments", "openai", "sharegpt", "trl", "edits"]) {
        const res = await get(`?format=${format}`);
        expect(res.status).toBe(200);
        expect(res.headers.get("content-disposition")).toBe(`attachment; filename="hintlab-${format}.jsonl"`);
        expect(res.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
        expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(path.join(GOLDEN, `${format}.jsonl`)))).toBe(true);
      }
      const edited = await get("?format=segments&edited=1");
      expect(Buffer.from(await edited.arrayBuffer()).equals(readFileSync(path.join(GOLDEN, "segments-edited.jsonl")))).toBe(true);
      const accepted = await get("?format=edits&review=accepted&context=10");
      expect((await accepted.text()).trimEnd().split("\n").map((l) => JSON.parse(l).contextBefore.length)).toEqual([10, 10]);
    });

    it("an unknown format or filter value is a 400", async () => {
      const res = await get("?format=csv");
      expect(res.status).toBe(400);
      expect((await res.json()).error.message).toMatch(/format must be one of segments, openai, sharegpt, trl, edits/);
      expect((await get("?format=trl&verdict=maybe")).status).toBe(400);
    });
  });
});
