import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { test, expect } from "@playwright/test";
import { startNextServer, type NextServer } from "./fixtures/next-server";

// Uploads against a production server of this test's own: a body far over the import limit
// (600 MB, made by a generator, never held here) gets 413 on every import route, raw and
// multipart, declared or chunked, while the server's memory stays flat; an upload between the
// proxy's 10 MB and the limit arrives whole; numbers are stored as written; and a server killed
// mid-import leaves no spool file behind.

test.describe.configure({ mode: "serial" });

const DATA = path.resolve("test-results/e2e-upload");
const TMP = path.join(DATA, "tmp");
const MB = 1024 * 1024;
const R1_LINES = readFileSync("e2e/fixtures/data/r1-distill-math-40.jsonl", "utf8").split("\n").filter(Boolean);
let app: NextServer;

async function start() {
  app = await startNextServer({ HINTLAB_DATA_DIR: path.join(DATA, "data"), HINTLAB_DB: "", TMPDIR: TMP });
}

test.beforeAll(async () => {
  test.setTimeout(120_000);
  rmSync(DATA, { recursive: true, force: true });
  mkdirSync(TMP, { recursive: true });
  await start();
});
test.afterAll(async () => app?.stop());

/** RSS of the server's process group, in bytes. */
function serverRss(): number {
  const out = execFileSync("ps", ["-o", "rss=", "-g", String(app.pid)], { encoding: "utf8" });
  return out.split("\n").filter(Boolean).reduce((n, l) => n + Number(l.trim()) * 1024, 0);
}

/** Every file the server's processes hold open. */
function serverFds(): string[] {
  const pids = execFileSync("ps", ["-o", "pid=", "-g", String(app.pid)], { encoding: "utf8" }).split("\n").map((l) => l.trim()).filter(Boolean);
  return pids.flatMap((pid) => {
    try {
      return readdirSync(`/proc/${pid}/fd`).map((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      return [];
    }
  });
}

interface UploadResult {
  status: number;
  body: string;
  sent: number;
}

/**
 * POST `total` bytes of `chunk` repeated (raw, or as the `file` of a multipart form), with a
 * Content-Length or chunked; resolves as soon as the server answers, and stops sending then.
 */
function upload(route: string, opts: { total: number; chunk: Buffer; multipart: boolean; declared: boolean; json?: boolean; fields?: Record<string, string> }): Promise<UploadResult> {
  const boundary = "----hintlab-e2e-boundary";
  const fields = Object.entries(opts.fields ?? {})
    .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
    .join("");
  const head = Buffer.from(opts.multipart ? `${fields}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="up.jsonl"\r\nContent-Type: application/x-ndjson\r\n\r\n` : "");
  const tail = Buffer.from(opts.multipart ? `\r\n--${boundary}--\r\n` : "");
  const headers: Record<string, string> = { "content-type": opts.multipart ? `multipart/form-data; boundary=${boundary}` : opts.json ? "application/json" : "application/x-ndjson" };
  if (opts.declared) headers["content-length"] = String(head.length + opts.total + tail.length);
  return new Promise((resolve) => {
    let sent = 0;
    let answered = false;
    const req = http.request(`${app.url}${route}`, { method: "POST", headers });
    const finish = (status: number, body: string) => {
      if (answered) return;
      answered = true;
      resolve({ status, body, sent });
      req.destroy();
    };
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => finish(res.statusCode ?? 0, body));
    });
    req.on("error", (e) => finish(0, String(e)));
    req.write(head);
    const write = () => {
      while (!answered && sent < opts.total) {
        const n = Math.min(opts.chunk.length, opts.total - sent);
        sent += n;
        if (!req.write(n === opts.chunk.length ? opts.chunk : opts.chunk.subarray(0, n))) return void req.once("drain", write);
      }
      if (!answered) req.end(tail);
    };
    write();
  });
}

const LINE = JSON.stringify({ prompt: "What is 1+1?", completion: "x".repeat(200) + " \\boxed{2}", answer: 2 }) + "\n";
const FILLER = Buffer.from(LINE.repeat(Math.ceil(MB / LINE.length)).slice(0, MB));

for (const route of ["/api/traces/import", "/api/datasets/import?name=too-big"]) {
  for (const multipart of [false, true]) {
    for (const declared of [true, false]) {
      const label = `${route.split("?")[0]} ${multipart ? "multipart" : "raw"} ${declared ? "with Content-Length" : "chunked"}`;
      test(`600 MB to ${label}: 413 with what to do, memory flat`, async () => {
        test.setTimeout(120_000);
        const before = serverRss();
        let peak = before;
        const sampler = setInterval(() => (peak = Math.max(peak, serverRss())), 100);
        const r = await upload(route, { total: 600 * MB, chunk: FILLER, multipart, declared }).finally(() => clearInterval(sampler));
        peak = Math.max(peak, serverRss());
        const growth = Math.round((peak - before) / MB);
        test.info().annotations.push({ type: "figures", description: `${label}: status ${r.status}, sent ${Math.round(r.sent / MB)} MB before the answer, server RSS ${Math.round(before / MB)} MB → peak ${Math.round(peak / MB)} MB (+${growth} MB)` });
        console.log(`[upload-limits] ${label}: status ${r.status}, sent ${Math.round(r.sent / MB)} MB, RSS +${growth} MB (from ${Math.round(before / MB)} MB)`);
        expect(r.status, r.body).toBe(413);
        expect(JSON.parse(r.body)).toEqual({
          error: { code: "payload-too-large", message: "the file is larger than the import limit of 100 MB; split it into smaller files (or raise HINTLAB_IMPORT_MAX_BYTES)" },
        });
        // Refused after at most the limit (100 MB) and what was in flight, not after 600 MB.
        expect(r.sent).toBeLessThan(declared ? 20 * MB : 200 * MB);
        expect(growth).toBeLessThan(200);
      });
    }
  }
}

for (const declared of [true, false]) {
  test(`600 MB to a JSON route (POST /api/traces) ${declared ? "with Content-Length" : "chunked"}: 413 before it is read whole`, async () => {
    const r = await upload("/api/traces", { total: 600 * MB, chunk: Buffer.alloc(MB, 0x20), multipart: false, declared, json: true });
    console.log(`[upload-limits] POST /api/traces JSON ${declared ? "with Content-Length" : "chunked"}: status ${r.status}, sent ${Math.round(r.sent / MB)} MB`);
    expect(r.status, r.body).toBe(413);
    expect(JSON.parse(r.body).error.message).toMatch(/larger than 8388608 bytes \(HINTLAB_JSON_MAX_BYTES/);
    expect(r.sent).toBeLessThan(declared ? 20 * MB : 100 * MB);
  });
}

test("an upload past the proxy's 10 MB and under the limit arrives whole (raw and multipart)", async () => {
  test.setTimeout(120_000);
  // ~25 MB of distinct traces.
  const lines = Array.from({ length: 2100 }, (_, k) => {
    const rec = JSON.parse(R1_LINES[k % R1_LINES.length]!) as { id: string };
    return JSON.stringify({ ...rec, id: `${rec.id}-whole-${k}` }) + "\n";
  });
  const file = Buffer.from(lines.join(""));
  expect(file.length).toBeGreaterThan(20 * MB);
  const raw = await upload("/api/traces/import?dataset=whole", { total: file.length, chunk: file, multipart: false, declared: false });
  expect(raw.status, raw.body).toBe(200);
  expect(JSON.parse(raw.body)).toMatchObject({ committed: true, lines: 2100, imported: 2100, failed: 0 });
  const problems = Buffer.from(Array.from({ length: 120_000 }, (_, k) => JSON.stringify({ id: `p${k}`, problem: `What is ${k} + ${k}? `.padEnd(180, "."), answer: 2 * k }) + "\n").join(""));
  expect(problems.length).toBeGreaterThan(20 * MB);
  const form = await upload("/api/datasets/import", { total: problems.length, chunk: problems, multipart: true, declared: true, fields: { name: "whole" } });
  expect(form.status, form.body).toBe(200);
  expect(JSON.parse(form.body)).toMatchObject({ imported: 120_000, errors: [], dataset: { name: "whole", problemCount: 120_000 } });
});

test("numbers are stored as written: dataset gold and trace gold/answer beyond 2^53", async ({ request }) => {
  const dataset = Buffer.from('{"id": "big", "problem": "p", "answer": 12345678901234567891}\n{"id": "dec", "problem": "q", "answer": 0.1000000000000000055511151231257827}\n');
  const d = await upload("/api/datasets/import", { total: dataset.length, chunk: dataset, multipart: true, declared: false, fields: { name: "exact" } });
  expect(d.status, d.body).toBe(200);
  const { dataset: summary } = JSON.parse(d.body) as { dataset: { id: string } };
  const page = (await (await request.get(`${app.url}/api/datasets/${summary.id}/problems`)).json()) as { problems: { id: string; gold: string }[] };
  expect(page.problems.map((p) => p.gold)).toEqual(["12345678901234567891", "0.1000000000000000055511151231257827"]);

  const trace = Buffer.from('{"id": "exact-trace", "prompt": "p", "completion": "\\\\boxed{12345678901234567891}", "gold": 12345678901234567891, "pred": 12345678901234567891}\n');
  const t = await upload("/api/traces/import", { total: trace.length, chunk: trace, multipart: false, declared: true });
  expect(t.status, t.body).toBe(200);
  const stored = (await (await request.get(`${app.url}/api/traces/exact-trace`)).json()) as { problem: { gold: string }; answer: string };
  expect(stored.problem.gold).toBe("12345678901234567891");
  expect(stored.answer).toBe("12345678901234567891");
});

test("a server killed (SIGKILL) mid-import leaves no spool file, and imports again after a restart", async () => {
  test.setTimeout(180_000);
  // ~70 MB of distinct traces: more than the 32 MB the import keeps in memory before it spills.
  const lines = Array.from({ length: 5800 }, (_, k) => {
    const rec = JSON.parse(R1_LINES[k % R1_LINES.length]!) as { id: string };
    return JSON.stringify({ ...rec, id: `${rec.id}-killed-${k}` }) + "\n";
  });
  const file = Buffer.from(lines.join(""));
  const leftovers = () => [...readdirSync(path.join(DATA, "data")).filter((f) => f.includes("hintlab-import")), ...readdirSync(TMP).filter((f) => f.includes("hintlab"))];
  let spilled = false;
  // Sent in 1 MB slices of the real file; the server is killed as soon as its spool is on disk.
  const done = new Promise<string>((resolve) => {
    const req = http.request(`${app.url}/api/traces/import`, { method: "POST", headers: { "content-type": "application/x-ndjson" } });
    req.on("response", () => resolve("answered"));
    req.on("error", () => resolve("connection closed"));
    let at = 0;
    const poll = setInterval(() => {
      if (serverFds().some((f) => f.includes(".hintlab-import-") && f.endsWith(" (deleted)"))) {
        spilled = true;
        clearInterval(poll);
        process.kill(-app.pid, "SIGKILL");
      }
    }, 50);
    const write = () => {
      while (at < file.length && !spilled) {
        const slice = file.subarray(at, at + MB);
        at += slice.length;
        if (!req.write(slice)) return void req.once("drain", write);
      }
      if (!spilled) req.end();
    };
    write();
    setTimeout(() => clearInterval(poll), 150_000);
  });
  expect(await done).toBe("connection closed");
  expect(spilled).toBe(true);
  expect(leftovers()).toEqual([]);
  await start();
  const again = await upload("/api/traces/import", { total: file.length, chunk: file, multipart: false, declared: true });
  expect(again.status, again.body).toBe(200);
  expect(JSON.parse(again.body)).toMatchObject({ committed: true, imported: 5800 });
  expect(leftovers()).toEqual([]);
});
