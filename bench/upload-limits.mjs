// Oversized uploads against a running app: for each import route, send a body far over the
// import limit (default 600 MB, never held in memory here: chunks come from a generator) raw and
// as multipart, with a declared Content-Length and chunked, and print the status, how much was
// sent before the answer came, the time and the growth of the server's RSS (all processes of its
// process group, sampled every 100 ms). `node bench/upload-limits.mjs URL [PID]`: PID is the
// server's process group (bench-all passes none; RSS is then not measured).
// Exit code 1 when an upload was not refused with 413.
import http from "node:http";
import { execFileSync } from "node:child_process";

const url = new URL(process.argv[2] ?? process.env.HINTLAB_URL ?? "http://127.0.0.1:3000");
const pgid = process.argv[3] ? Number(process.argv[3]) : undefined;
const TOTAL = Number(process.env.UPLOAD_BYTES ?? 600 * 1024 * 1024);
const CHUNK = 1024 * 1024;
const LINE = JSON.stringify({ prompt: "What is 1+1?", completion: "x".repeat(200) + " \\boxed{2}", answer: 2 }) + "\n";
const chunk = Buffer.from(LINE.repeat(Math.ceil(CHUNK / LINE.length)).slice(0, CHUNK));

/** RSS of the server's process group in bytes (ps), or undefined without a group. */
function groupRss() {
  if (!pgid) return undefined;
  try {
    const out = execFileSync("ps", ["-o", "rss=", "-g", String(pgid)], { encoding: "utf8" });
    return out.split("\n").filter(Boolean).reduce((n, l) => n + Number(l.trim()) * 1024, 0);
  } catch {
    return undefined;
  }
}

/** One upload: resolves with the status and body once the server answers (or the socket ends). */
function upload(path, { multipart, declared }) {
  const boundary = "----hintlab-bench-boundary";
  const head = multipart ? Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.jsonl"\r\nContent-Type: application/x-ndjson\r\n\r\n`) : Buffer.alloc(0);
  const tail = multipart ? Buffer.from(`\r\n--${boundary}--\r\n`) : Buffer.alloc(0);
  const headers = { "content-type": multipart ? `multipart/form-data; boundary=${boundary}` : "application/x-ndjson" };
  if (declared) headers["content-length"] = String(head.length + TOTAL + tail.length);
  return new Promise((resolve) => {
    let sent = 0;
    let answered = false;
    const start = Date.now();
    const req = http.request({ host: url.hostname, port: url.port, path, method: "POST", headers });
    const finish = (status, body) => {
      if (answered) return;
      answered = true;
      resolve({ status, body: body.slice(0, 300), sentMB: Math.round(sent / 1024 / 1024), ms: Date.now() - start });
    };
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => {
        finish(res.statusCode, body);
        req.destroy();
      });
    });
    req.on("error", (e) => finish(0, `error: ${e.code ?? e.message}`));
    const write = () => {
      if (sent === 0) req.write(head);
      while (!answered && sent < TOTAL) {
        const n = Math.min(CHUNK, TOTAL - sent);
        sent += n;
        if (!req.write(n === CHUNK ? chunk : chunk.subarray(0, n))) return void req.once("drain", write);
      }
      if (!answered) req.end(tail);
    };
    write();
  });
}

const cases = [];
for (const path of ["/api/traces/import", "/api/datasets/import?name=bench-big"]) {
  for (const multipart of [false, true]) for (const declared of [true, false]) cases.push({ path, multipart, declared });
}

let failed = false;
console.log(`upload-limits: ${Math.round(TOTAL / 1024 / 1024)} MB bodies against ${url.origin}${pgid ? ` (server process group ${pgid})` : ""}`);
for (const c of cases) {
  const before = groupRss();
  let peak = before ?? 0;
  const timer = setInterval(() => (peak = Math.max(peak, groupRss() ?? 0)), 100);
  const r = await upload(c.path, c);
  clearInterval(timer);
  peak = Math.max(peak, groupRss() ?? 0);
  const growth = before === undefined ? "n/a" : `${Math.round((peak - before) / 1024 / 1024)} MB`;
  const label = `${c.path.split("?")[0]} ${c.multipart ? "multipart" : "raw"} ${c.declared ? "content-length" : "chunked"}`;
  console.log(`${label.padEnd(52)} status ${r.status}  sent ${String(r.sentMB).padStart(4)} MB  ${String(r.ms).padStart(6)} ms  RSS growth ${growth}  ${r.status === 413 ? "" : r.body}`);
  if (r.status !== 413) failed = true;
}
process.exit(failed ? 1 : 0);
