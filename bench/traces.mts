// See traces.mjs for what this measures and how to run it.
import { spawn, spawnSync } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { importTraces, openDb, TraceStore, type ExportFilters } from "@/lib/db";
import { exportBody } from "@/lib/export-worker";
import type { ExportFormat } from "@/lib/export";
import { BUILTIN_HINTS } from "@/hints";
import type { TraceListQuery } from "@/lib/protocol";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SELF = fileURLToPath(import.meta.url);

/** The prober: GET the URL every 50 ms (or argv[2] ms; each after the last answered) until stdin closes; print the latencies. */
const PROBE = `
const url = process.argv[1]; const every = Number(process.argv[2] ?? 50); const times = []; let open = true;
process.stdin.on("end", () => (open = false)); process.stdin.resume();
(async () => {
  while (open) {
    const t = performance.now();
    // A request cut off (a keep-alive socket closed after a long stall) counts with its time.
    await fetch(url).then((r) => r.text()).catch(() => undefined);
    times.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, every));
  }
  times.sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.floor(times.length * p))];
  process.stdout.write(JSON.stringify({ n: times.length, median: q(0.5), p99: q(0.99), max: times[times.length - 1] }));
})();`;


async function main() {
  const N = Number(process.env.BENCH_TRACES ?? 10_000);
  const dir = mkdtempSync(path.join(tmpdir(), "hintlab-bench-traces-"));
  try {
    const file = path.join(dir, "traces.jsonl");
    const gen = await generate(file, N);
    const db = openDb(path.join(dir, "bench.db"));
    const rows: [string, string][] = [];
    rows.push(["traces generated", `${N} (${mb(gen.bytes)} MB, ${(gen.bytes / N / 1024).toFixed(1)} KB each)`]);

    // The import as the server runs it: on the connection and event loop that also answer
    // requests. A separate process asks for the trace list's first page every 50 ms meanwhile
    // (its latency is what a user of the page would see), and the event loop's longest stall is
    // measured here.
    const listing = new TraceStore(db);
    const server = http.createServer((_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(listing.list({ sort: "created", order: "desc", limit: 50, offset: 0 })));
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const prober = spawn(process.execPath, ["-e", PROBE, url], { stdio: ["pipe", "pipe", "inherit"] });
    let probeOut = "";
    prober.stdout.on("data", (d: Buffer) => (probeOut += d));
    await new Promise((r) => setTimeout(r, 300));
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const t0 = performance.now();
    const report = await importTraces(db, createReadStream(file), { mode: "valid-lines", maxBytes: 4 * 1024 * 1024 * 1024, hints: BUILTIN_HINTS });
    const importMs = performance.now() - t0;
    loop.disable();
    await new Promise((r) => setTimeout(r, 200));
    prober.stdin.end();
    await once(prober, "exit");
    server.close();
    if (report.imported !== N) throw new Error(`imported ${report.imported} of ${N}: ${JSON.stringify(report.errors.slice(0, 3))}`);
    const probe = JSON.parse(probeOut) as { n: number; median: number; p99: number; max: number };
    rows.push(["import (stream, validate, write in slices)", `${(importMs / 1000).toFixed(2)} s  (${Math.round(N / (importMs / 1000))} traces/s, ${(gen.bytes / 1048576 / (importMs / 1000)).toFixed(1)} MB/s)`]);
    rows.push(["import: longest event-loop stall", `${fmt(loop.max / 1e6)}  (p99 ${fmt(loop.percentile(99) / 1e6)})`]);
    rows.push(["import: concurrent GET (list page, other process)", `${probe.n} requests: ${fmt(probe.median)} median, ${fmt(probe.p99)} p99, ${fmt(probe.max)} max`]);
    rows.push(["import peak RSS (whole process so far)", `${Math.round(process.resourceUsage().maxRSS / 1024)} MB`]);
    rows.push(["database file", `${mb(statSync(path.join(dir, "bench.db")).size + walSize(path.join(dir, "bench.db")))} MB`]);

    const store = new TraceStore(db);
    const page = (q: Partial<TraceListQuery>): TraceListQuery => ({ sort: "created", order: "desc", limit: 50, offset: 0, ...q });
    const lat = (label: string, q: Partial<TraceListQuery>) => {
      const r = timeIt(() => store.list(page(q)));
      rows.push([label, `${fmt(r.median)} median, ${fmt(r.p95)} p95  (${r.value.total} matches)`]);
    };
    lat("list: first page (50, newest first)", {});
    lat("list: filtered (verdict=correct, dataset=bench-2)", { verdict: "correct", dataset: "bench-2" });
    lat("list: sorted by tokens", { sort: "tokens" });
    lat("list: sorted by tool calls, filtered by hint", { sort: "tool_calls", hint: "math-general" });
    lat("list: page 100 (offset 4950)", { offset: 4950 });
    lat('search: "compounds monthly"', { q: "compounds monthly" });
    lat('search: "sympy" (in code)', { q: "sympy" });
    lat('search: "Wait" (most traces)', { q: "Wait" });
    db.close();

    // Each export twice: through the route's body as it runs (worker threads) and with
    // HINTLAB_EXPORT_WORKERS=0 (in-process, the previous path), for the ratio on the same machine.
    for (const [format, filters, label] of [
      ["segments", {}, "all"],
      ["trl", {}, "all"],
      ["openai", {}, "all"],
      ["sharegpt", {}, "all"],
      ["trl", { dataset: "bench-0" }, "1/5"],
    ] as [ExportFormat, ExportFilters, string][]) {
      for (const workers of [undefined, "0"]) {
        const out = path.join(dir, `export-${format}.jsonl`);
        const env = { ...process.env, ...(workers !== undefined ? { HINTLAB_EXPORT_WORKERS: workers } : {}) };
        const child = spawnSync(process.execPath, [...process.execArgv, SELF, "--export-child", path.join(dir, "bench.db"), format, out, JSON.stringify(filters)], { encoding: "utf8", env });
        if (child.status !== 0) throw new Error(child.stderr);
        const r = JSON.parse(child.stdout) as {
          lines: number;
          bytes: number;
          ms: number;
          warmMs: number;
          probe: { n: number; median: number; p99: number; max: number };
          stallMs: number;
          p99Ms: number;
          cpuMs: number;
          busyMs: number;
          baseRssMb: number;
          peakRssMb: number;
        };
        const rate = (ms: number) => (r.bytes / 1048576 / (ms / 1000)).toFixed(1);
        rows.push([
          `export ${format} (${label}: ${r.lines} lines)${workers === "0" ? ", in-process" : ", workers"}`,
          `${rate(r.ms)} MB/s, again ${rate(r.warmMs)} MB/s  (${mb(r.bytes)} MB in ${(r.ms / 1000).toFixed(2)} s, then ${(r.warmMs / 1000).toFixed(2)} s; CPU ${(r.cpuMs / 1000).toFixed(2)} s, main thread busy ${(r.busyMs / 1000).toFixed(2)} s); RSS ${r.baseRssMb} MB before, peak ${r.peakRssMb} MB; event loop p99 ${fmt(r.p99Ms)}, longest stall ${fmt(r.stallMs)}; concurrent GET ${fmt(r.probe.median)} median, ${fmt(r.probe.max)} max (${r.probe.n})`,
        ]);
      }
    }
    const w = Math.max(...rows.map((r) => r[0].length));
    console.log(`\nhintlab traces benchmark (${N} traces, node ${process.version})\n`);
    for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
  } finally {
    if (process.env.BENCH_KEEP) console.log(`\nkept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Export in its own process, so its peak RSS is the export's and nothing else's: the route's
 * body (exportBody: worker threads on SQLite unless HINTLAB_EXPORT_WORKERS=0), read as a client
 * reads it, written to a file. Twice: the first export starts the workers, the second reuses them
 * (a server's exports after its first). Lines are counted by their newlines (JSON escapes every
 * newline inside a string).
 */
async function exportChild(dbFile: string, format: ExportFormat, out: string, filters = "{}") {
  const db = openDb(dbFile);
  const base = process.memoryUsage().rss;
  // The event loop's delay while exporting: on the server, the route's stream runs on the loop
  // that answers every other request.
  const loop = monitorEventLoopDelay({ resolution: 5 });
  const once1 = async () => {
    const sink = createWriteStream(out);
    let lines = 0;
    let bytes = 0;
    const reader = exportBody(db, JSON.parse(filters) as ExportFilters, { format, opts: {} }).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (let i = value.indexOf(10); i >= 0; i = value.indexOf(10, i + 1)) lines++;
      bytes += value.length;
      if (!sink.write(value)) await once(sink, "drain");
    }
    sink.end();
    await once(sink, "finish");
    return { lines, bytes };
  };
  // And what a user of the server sees: another process GETs a list page (answered on this
  // event loop and connection) every 20 ms while the first export runs.
  const listing = new TraceStore(db);
  const server = http.createServer((_req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(listing.list({ sort: "created", order: "desc", limit: 50, offset: 0 })));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const prober = spawn(process.execPath, ["-e", PROBE, `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, "20"], { stdio: ["pipe", "pipe", "inherit"] });
  let probeOut = "";
  prober.stdout.on("data", (d: Buffer) => (probeOut += d));
  await new Promise((r) => setTimeout(r, 300));
  loop.enable();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const { lines, bytes } = await once1();
  const ms = performance.now() - t0;
  // CPU of every thread (workers included); the main thread's busy time (event-loop utilization)
  // is what the request path pays.
  const cpu = process.cpuUsage(cpu0);
  const busyMs = performance.eventLoopUtilization(elu0).active;
  loop.disable();
  prober.stdin.end();
  await once(prober, "exit");
  server.closeAllConnections();
  server.close();
  const probe = JSON.parse(probeOut) as { n: number; median: number; p99: number; max: number };
  const t1 = performance.now();
  await once1();
  const warmMs = performance.now() - t1;
  process.stdout.write(
    JSON.stringify({ lines, bytes, ms, warmMs, probe, stallMs: loop.max / 1e6, p99Ms: loop.percentile(99) / 1e6, cpuMs: (cpu.user + cpu.system) / 1000, busyMs, baseRssMb: Math.round(base / 1048576), peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }),
  );
  db.close();
}

/** N varied traces from the real fixtures, written line by line (the file is never in memory). */
async function generate(file: string, n: number): Promise<{ bytes: number }> {
  const read = (f: string) => readFileSync(path.join(ROOT, "e2e/fixtures/data", f), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
  const r1 = read("r1-distill-math-40.jsonl") as { model: string; problem: string; gold_answer: string; prompt: string; completion: string; extracted_answer: string; is_correct: boolean }[];
  const tora = read("tora-tir-math-30.jsonl") as { gt: string; messages: { role: string; content: string }[] }[];
  const hints = BUILTIN_HINTS.filter((h) => h.kinds.includes("math"));
  const out = createWriteStream(file);
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const dataset = `bench-${i % 5}`;
    let rec: object;
    if (i % 4 === 3) {
      // ToRA trajectory appended to an R1 window: prose, code, output, more prose.
      const t = tora[i % tora.length]!;
      const r = r1[(i * 7) % r1.length]!;
      const start = (i * 131) % 2000;
      const text = r.completion.slice(start, start + 8000) + "\n\n" + t.messages[1]!.content;
      rec = { id: `bench-${i}`, dataset, model: r.model, messages: [{ role: "user", content: t.messages[0]!.content }, { role: "assistant", content: text }], gt: t.gt };
    } else {
      const r = r1[i % r1.length]!;
      const start = (i * 97) % 1500;
      let completion = r.completion.slice(start, start + 9000 + (i % 2000));
      if (i % 3 === 0) {
        // Hint-infer: the hint replaces a "Wait", the model writes code, the sandbox answers.
        const waits = [...completion.matchAll(/\bWait\b/g)];
        const w = waits[i % Math.max(1, waits.length)]?.index ?? Math.floor(completion.length / 2);
        const h = hints[i % hints.length]!;
        completion = completion.slice(0, w) + h.text + `x = ${i % 97} ** 2\nprint(x)\n\`\`\`\n\`\`\`output\n${(i % 97) ** 2}\n\`\`\`\n` + completion.slice(w);
      }
      rec = { id: `bench-${i}`, dataset, model: r.model, problem: r.problem, gold_answer: r.gold_answer, prompt: r.prompt, completion, extracted_answer: r.extracted_answer, is_correct: (i % 7 !== 0) === r.is_correct };
    }
    const line = JSON.stringify(rec) + "\n";
    bytes += Buffer.byteLength(line);
    if (!out.write(line)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  return { bytes };
}

function timeIt<T>(fn: () => T, runs = 21): { median: number; p95: number; value: T } {
  const times: number[] = [];
  let value = fn();
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    value = fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(runs / 2)]!, p95: times[Math.min(runs - 1, Math.ceil(runs * 0.95) - 1)]!, value };
}

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(2)} ms`);
const mb = (b: number) => (b / 1048576).toFixed(1);
function walSize(f: string): number {
  try {
    return statSync(`${f}-wal`).size;
  } catch {
    return 0;
  }
}

if (process.argv[2] === "--export-child") await exportChild(process.argv[3]!, process.argv[4] as ExportFormat, process.argv[5]!, process.argv[6]);
else await main();
