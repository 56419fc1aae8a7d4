// The export through worker threads against the in-process export (lib/db's exportStream, the
// path lib/db/export-copy.test.ts checks against TraceStore.get): the same bytes for every format,
// pages re-ordered, a slow client holding the workers back, cancel and failures.
import { createReadStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { traceToLines, type ExportFormat, type ExportOptions } from "@/lib/export";
import { BUILTIN_HINTS } from "@/hints";
import { exportStream, importTraces, openDb, TraceStore, type Db, type ExportFilters } from "@/lib/db";
import { QueueStore } from "@/lib/queues/store";
import { QueueWork } from "@/lib/queues/work";
import { exportBody, linesFor, type ExportBodyOptions } from "./index";

const ROOT = path.resolve(import.meta.dirname, "../..");
const NOW = 1_740_000_000_000;
let dir: string;
let db: Db;
beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "hintlab-export-worker-"));
  db = openDb(path.join(dir, "a.db"));
  const files: [string, string | undefined][] = [
    ["e2e/fixtures/data/r1-distill-math-40.jsonl", undefined],
    ["e2e/fixtures/data/tora-tir-math-30.jsonl", "tora"],
    ["lib/export/__golden__/input.jsonl", undefined], // a trace with hints, edits and annotations
  ];
  for (const [i, [file, dataset]] of files.entries()) {
    await importTraces(db, createReadStream(path.join(ROOT, file)), { mode: "valid-lines", hints: BUILTIN_HINTS, now: NOW + i * 5000, ...(dataset ? { dataset } : {}) });
  }
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const bytesOf = async (s: ReadableStream<Uint8Array>) => Buffer.from(await new Response(s).arrayBuffer());
const inProcess = (format: ExportFormat, opts: ExportOptions = {}, filters: ExportFilters = {}) => bytesOf(exportStream(db, filters, traceToLines(format, opts)));
/** Two workers, pages of 5 traces, no in-process shortcut: every page boundary and re-ordering is exercised on the fixtures. */
const THREADED: ExportBodyOptions = { workers: 2, smallSelection: 0, page: 5 };

/** Copies of every trace (rows as stored, new ids), so the export spans many ~1 MB chunks. */
function multiply(copies: number) {
  const cols = (t: string) => (db.prepare(`SELECT name FROM pragma_table_info('${t}')`).pluck().all() as string[]).filter((c) => c !== "id" && c !== "trace_id");
  db.transaction(() => {
    for (let k = 1; k < copies; k++) {
      const sfx = `-copy${k}`;
      const t = cols("traces");
      db.prepare(`INSERT INTO traces (id, ${t.join(",")}) SELECT id || '${sfx}', ${t.join(",")} FROM traces WHERE id NOT LIKE '%-copy%'`).run();
      for (const child of ["segments", "events"]) {
        const c = cols(child);
        db.prepare(`INSERT INTO ${child} (trace_id, ${c.join(",")}) SELECT trace_id || '${sfx}', ${c.join(",")} FROM ${child} WHERE trace_id NOT LIKE '%-copy%'`).run();
      }
      for (const child of ["annotations", "edits"]) {
        const c = cols(child);
        db.prepare(`INSERT INTO ${child} (id, trace_id, ${c.join(",")}) SELECT id || '${sfx}', trace_id || '${sfx}', ${c.join(",")} FROM ${child} WHERE trace_id NOT LIKE '%-copy%'`).run();
      }
    }
  })();
}

describe("the export in worker threads", () => {
  it("gives the in-process export's bytes in every format, edited or not, filtered or not", async () => {
    const cases: [ExportFormat, ExportOptions, ExportFilters][] = [
      ["segments", {}, {}],
      ["segments", { edited: true }, {}],
      ["openai", {}, {}],
      ["openai", { edited: false, system: 'You are "careful".' }, {}],
      ["sharegpt", {}, {}],
      ["trl", {}, {}],
      ["trl", { edited: false }, { dataset: "tora" }],
      ["edits", { context: 20 }, {}],
    ];
    for (const [format, opts, filters] of cases) {
      const want = await inProcess(format, opts, filters);
      expect(want.length).toBeGreaterThan(format === "edits" ? 100 : 20_000);
      const got = await bytesOf(exportBody(db, filters, { format, opts }, THREADED));
      expect(got.equals(want), `${format} ${JSON.stringify(opts)} ${JSON.stringify(filters)}`).toBe(true);
    }
  });

  it("one worker, or the default pages, give the same bytes; an empty selection is empty", async () => {
    const want = await inProcess("segments");
    expect((await bytesOf(exportBody(db, {}, { format: "segments", opts: {} }, { workers: 1, smallSelection: 0, page: 7 }))).equals(want)).toBe(true);
    expect((await bytesOf(exportBody(db, {}, { format: "segments", opts: {} }, { workers: 2, smallSelection: 0 }))).equals(want)).toBe(true);
    expect((await bytesOf(exportBody(db, { dataset: "none" }, { format: "segments", opts: {} }, THREADED))).length).toBe(0);
  });

  it("the sources through tsx (where the bundle cannot be built) give the same bytes", async () => {
    vi.stubEnv("HINTLAB_EXPORT_WORKER", path.join(ROOT, "lib/export-worker/worker.mjs"));
    try {
      expect((await bytesOf(exportBody(db, {}, { format: "openai", opts: {} }, THREADED))).equals(await inProcess("openai"))).toBe(true);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("across many ~1 MB chunks, holds the workers back while the client does not read, and stops them when it cancels", async () => {
    multiply(40);
    const want = await inProcess("trl");
    expect(want.length).toBeGreaterThan(15 << 20);
    expect((await bytesOf(exportBody(db, {}, { format: "trl", opts: {} }, { workers: 2, smallSelection: 0 }))).equals(want)).toBe(true);

    let arrived = 0;
    const reader = exportBody(db, {}, { format: "trl", opts: {} }, { workers: 2, smallSelection: 0, onChunk: (n) => (arrived += n) }).getReader();
    const first = await reader.read();
    expect(first.value!.length).toBeGreaterThan(500_000);
    // A client that stops reading: the workers have credit for 2 chunks each, then wait, so what
    // they produced stays a few chunks ahead, not the 15+ MB left to export.
    await new Promise((r) => setTimeout(r, 1000));
    expect(arrived).toBeLessThan(6 << 20);
    const before = arrived;
    let read = first.value!.length;
    // Reading frees credit: the workers go on (a read waits for their next chunk), and stay only a few chunks ahead.
    for (let n = 0; n < 10 && arrived === before; n++) read += (await reader.read()).value!.length;
    expect(arrived).toBeGreaterThan(before);
    expect(arrived - read).toBeLessThan(6 << 20);
    await reader.cancel();
    const atCancel = arrived;
    await new Promise((r) => setTimeout(r, 300));
    expect(arrived).toBe(atCancel);
    // The cancelled export's workers are gone, not back in the pool: the next export is whole.
    expect((await bytesOf(exportBody(db, { dataset: "tora" }, { format: "trl", opts: {} }, THREADED))).equals(await inProcess("trl", {}, { dataset: "tora" }))).toBe(true);
  });

  it("exports beyond the workers allowed at once run in-process, with the same bytes", async () => {
    const want = await inProcess("segments");
    const counts = [0, 0, 0];
    const readers = counts.map((_, i) => exportBody(db, {}, { format: "segments", opts: {} }, { workers: 2, smallSelection: 0, page: 5, onChunk: () => counts[i]!++ }).getReader());
    const parts: Buffer[][] = [[], [], []];
    // The first two start (two workers each, the most at once), then the third.
    for (const [i, r] of readers.entries()) parts[i]!.push(Buffer.from((await r.read()).value!));
    for (const [i, r] of readers.entries()) for (let next = await r.read(); !next.done; next = await r.read()) parts[i]!.push(Buffer.from(next.value));
    for (const p of parts) expect(Buffer.concat(p).equals(want)).toBe(true);
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[1]).toBeGreaterThan(0);
    expect(counts[2]).toBe(0);
    // Their workers are free again: the next export gets them.
    let after = 0;
    expect((await bytesOf(exportBody(db, {}, { format: "segments", opts: {} }, { ...THREADED, onChunk: () => after++ }))).equals(want)).toBe(true);
    expect(after).toBeGreaterThan(0);
  });

  it("fails the stream where a stored segment is one the schema refuses, as in-process", async () => {
    const ids = [...new TraceStore(db).iterateIds({ dataset: "tora" })];
    db.prepare("UPDATE segments SET json = ? WHERE trace_id = ? AND idx = 0").run(JSON.stringify({ id: "s", kind: "thought", text: "x" }), ids[3]);
    await expect(inProcess("segments")).rejects.toThrow();
    await expect(bytesOf(exportBody(db, {}, { format: "segments", opts: {} }, THREADED))).rejects.toThrow(/kind|invalid/i);
  });

  it("a queue's export: each accepted trace as the queue's final version, the same bytes as in-process", async () => {
    const queue = new QueueStore(db).create(
      { spec: { name: "Q", instructions: "", labels: ["wrong"], annotators: ["ann"], perItem: 1, overlapShare: 0, assignment: "even", leaseMinutes: 30, seed: 0 }, source: { type: "filter", filter: { dataset: "tora" } } },
      "rita",
      new Set(["ann"]),
    ).id;
    const work = new QueueWork(db);
    for (const status of ["accepted", "rejected", "accepted"] as const) {
      const n = work.next(queue, "ann");
      if (!("assignment" in n)) throw new Error("no item");
      work.addEdit(queue, n.assignment.id, { annotator: "ann", baseVersion: 1, edit: { segment: 1, start: 0, end: 4, replacement: `Fixed (${status}).` } });
      work.setReview(queue, n.assignment.id, { annotator: "ann", baseVersion: 2, status });
    }
    for (const format of ["edits", "segments", "trl"] as ExportFormat[]) {
      const job = { format, opts: {}, queue };
      const want = await bytesOf(exportStream(db, { queue }, linesFor(db, job)));
      expect(want.toString().split("\n").filter(Boolean).length, format).toBe(2);
      expect((await bytesOf(exportBody(db, { queue }, job, { workers: 2, smallSelection: 0, page: 1 }))).equals(want), format).toBe(true);
    }
    expect((await bytesOf(exportBody(db, { queue }, { format: "edits", opts: {}, queue }, THREADED))).toString()).toContain('"queue":{"id"');
  });

  it("refuses an unknown queue before the stream starts", () => {
    expect(() => exportBody(db, { queue: "nope" }, { format: "edits", opts: {}, queue: "nope" }, THREADED)).toThrow();
  });
});
