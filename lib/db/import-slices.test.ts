// The import off the request path: slices that yield to the event loop, progress, and what a
// failure while writing leaves behind. The export's batched reads against TraceStore.get.
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { traceToLines, type ExportFormat } from "@/lib/export";
import { BUILTIN_HINTS } from "@/hints";
import type { ImportProgress } from "@/lib/import";
import { exportLines, exportStream } from "./export-stream";
import { importResponse, importTraces, type ImportOptions } from "./import";
import { openDb, type Db } from "./sqlite";
import { TraceStore } from "./traces";
import { backends, testDbLocation } from "./test-backends";

describe.each(backends)("%s", (backend) => {
  const ROOT = path.resolve(import.meta.dirname, "../..");
  const R1 = path.join(ROOT, "e2e/fixtures/data/r1-distill-math-40.jsonl");
  const TORA = path.join(ROOT, "e2e/fixtures/data/tora-tir-math-30.jsonl");
  const GOLDEN = path.join(ROOT, "lib/export/__golden__");
  const NOW = 1_740_000_000_000;
  const r1Ids = readFileSync(R1, "utf8").split("\n").filter(Boolean).map((l) => (JSON.parse(l) as { id: string }).id);

  let dir: string;
  let db: Db;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "hintlab-import-slices-"));
    db = openDb(testDbLocation(backend, dir, "a.db"));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const opts = (o: Partial<ImportOptions> = {}): ImportOptions => ({ mode: "valid-lines", hints: BUILTIN_HINTS, now: NOW, sliceItems: 5, sliceMs: 60_000, ...o });
  const count = () => (db.prepare("SELECT count(*) AS n FROM traces").get() as { n: number }).n;
  /** A second trace to clash with line 30 of R1, created by "another request" while the import runs. */
  const clashing = () => ({ ...new TraceStore(db).get(r1Ids[0]!), id: r1Ids[29]! });

  describe("an import yields to the event loop", () => {
    it("other work runs between its slices and sees the traces committed so far", async () => {
      const seen: number[] = [];
      let running = true;
      // Stands for the server's other requests: each turn of the event loop, one read.
      const other = () => {
        seen.push(count());
        if (running) setImmediate(other);
      };
      setImmediate(other);
      const progress: ImportProgress[] = [];
      const r = await importTraces(db, createReadStream(R1), opts({ onProgress: (p) => progress.push(p) }));
      running = false;
      expect(r).toMatchObject({ committed: true, imported: 40 });
      const between = seen.filter((n) => n > 0 && n < 40);
      // Eight write slices of five: the other work saw (at least) each of the seven in-between states.
      expect(new Set(between)).toEqual(new Set([5, 10, 15, 20, 25, 30, 35]));
      const writes = progress.filter((p) => p.phase === "writing").map((p) => p.written);
      expect(writes).toEqual([0, 5, 10, 15, 20, 25, 30, 35]);
    });

    it("an upload already in memory is parsed in slices too (it never waits for I/O on its own)", async () => {
      const text = readFileSync(R1);
      let turns = 0;
      let running = true;
      const other = () => {
        turns++;
        if (running) setImmediate(other);
      };
      setImmediate(other);
      let turnsAtFirstWrite: number | undefined;
      await importTraces(
        db,
        (async function* () {
          yield text;
        })(),
        opts({ onProgress: (p) => void (p.phase === "writing" && turnsAtFirstWrite === undefined && (turnsAtFirstWrite = turns)) }),
      );
      running = false;
      // 40 lines in slices of 5 while reading: the other work ran during the reading phase itself.
      expect(turnsAtFirstWrite).toBeGreaterThanOrEqual(7);
    });

    it("reports its progress: reading (bytes, lines), checking, writing (written of total), done", async () => {
      const progress: ImportProgress[] = [];
      const size = statSync(R1).size;
      await importTraces(db, createReadStream(R1), opts({ mode: "all-or-nothing", totalBytes: size, onProgress: (p) => progress.push(p) }));
      const phases = progress.map((p) => p.phase).filter((p, i, a) => a[i - 1] !== p);
      expect(phases).toEqual(["reading", "checking", "writing", "done"]);
      const reading = progress.filter((p) => p.phase === "reading");
      // Lines and bytes only grow while reading, slice by slice (at most 5 lines apart).
      for (const [i, p] of reading.entries()) {
        const prev = reading[i - 1] ?? { lines: 0, bytes: 0 };
        expect(p.lines - prev.lines).toBeGreaterThanOrEqual(0);
        expect(p.lines - prev.lines).toBeLessThanOrEqual(5);
        expect(p.bytes).toBeGreaterThanOrEqual(prev.bytes);
      }
      expect(reading.length).toBeGreaterThanOrEqual(8);
      expect(progress.at(-1)).toEqual({ phase: "done", bytes: size, totalBytes: size, lines: 40, failed: 0, total: 40, written: 40 });
    });
  });

  describe("a line that fails while writing", () => {
    it("all-or-nothing: the chunks already committed are removed again, and the response says so", async () => {
      let planted = false;
      const r = await importTraces(
        db,
        createReadStream(R1),
        opts({
          mode: "all-or-nothing",
          onProgress: (p) => {
            if (p.phase === "writing" && p.written === 5 && !planted) {
              new TraceStore(db).create(clashing(), NOW);
              planted = true;
            }
          },
        }),
      );
      expect(r).toMatchObject({ committed: false, imported: 0, failed: 1, undone: 25, ids: [] });
      expect(r.errors).toEqual([{ line: 30, error: `a trace with id ${r1Ids[29]} already exists` }]);
      // Only the other request's trace is left.
      expect((db.prepare("SELECT id FROM traces").all() as { id: string }[]).map((t) => t.id)).toEqual([r1Ids[29]]);
      const res = importResponse(r);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
        `1 of 40 lines failed (first: line 30: a trace with id ${r1Ids[29]} already exists); nothing was imported (all-or-nothing); the 25 traces written before it were removed again`,
      );
    });

    it("all-or-nothing: a trace someone changed meanwhile is kept and named, nothing of theirs is lost", async () => {
      let planted = false;
      const r = await importTraces(
        db,
        createReadStream(R1),
        opts({
          mode: "all-or-nothing",
          onProgress: (p) => {
            if (p.phase === "writing" && p.written === 10 && !planted) {
              const store = new TraceStore(db);
              store.setReview(r1Ids[3]!, { baseVersion: 1, author: "ann", status: "accepted", note: "checked" }, NOW + 1);
              store.create(clashing(), NOW);
              planted = true;
            }
          },
        }),
      );
      expect(r).toMatchObject({ committed: true, imported: 1, failed: 1, undone: 24, kept: [r1Ids[3]], ids: [r1Ids[3]] });
      expect(new TraceStore(db).get(r1Ids[3]!).review).toMatchObject({ status: "accepted", note: "checked", author: "ann" });
      expect(count()).toBe(2);
      const res = importResponse(r);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/removed again; 1 trace was kept because it was changed meanwhile \(.+\/problem_\d+\/\w+\)$/);
    });

    it("valid-lines: that line fails, every other line is imported", async () => {
      let planted = false;
      const r = await importTraces(
        db,
        createReadStream(R1),
        opts({
          onProgress: (p) => {
            if (p.phase === "writing" && p.written === 5 && !planted) {
              new TraceStore(db).create(clashing(), NOW);
              planted = true;
            }
          },
        }),
      );
      expect(r).toMatchObject({ committed: true, imported: 39, failed: 1, errors: [{ line: 30, error: `a trace with id ${r1Ids[29]} already exists` }] });
      expect(r.undone).toBeUndefined();
      expect(count()).toBe(40);
    });
  });

  describe("export reads traces in batches", () => {
    it("gives exactly the bytes of one TraceStore.get per trace, every format, edited or not, across batch boundaries", async () => {
      await importTraces(db, createReadStream(R1), opts());
      await importTraces(db, createReadStream(TORA), opts({ now: NOW + 5000, dataset: "tora" }));
      await importTraces(db, createReadStream(path.join(GOLDEN, "input.jsonl")), opts({ now: NOW + 9000 }));
      const store = new TraceStore(db);
      const ids = [...store.iterateIds({})];
      expect(ids.length).toBeGreaterThan(64); // more than one batch
      for (const format of ["segments", "openai", "sharegpt", "trl", "edits"] as ExportFormat[]) {
        for (const edited of [undefined, true, false]) {
          const toLines = traceToLines(format, edited === undefined ? {} : { edited });
          const oneByOne = ids.flatMap((id) => toLines(store.get(id))).join("");
          expect([...exportLines(db, {}, toLines)].join(""), `${format} edited=${edited}`).toBe(oneByOne);
        }
      }
      const stream = Buffer.from(await new Response(exportStream(db, { dataset: "tora" }, traceToLines("trl"))).arrayBuffer());
      expect(stream.toString()).toBe(ids.filter((id) => store.get(id).dataset === "tora").flatMap((id) => traceToLines("trl")(store.get(id))).join(""));
    });

    it("a trace deleted while the export runs is skipped", async () => {
      await importTraces(db, createReadStream(R1), opts());
      await importTraces(db, createReadStream(TORA), opts({ now: NOW + 5000 }));
      const store = new TraceStore(db);
      const lines = exportLines(db, {}, traceToLines("openai"));
      const first = lines.next();
      expect(first.done).toBe(false);
      // The last trace is in the second batch of reads, not yet loaded.
      store.delete([...store.iterateIds({})].at(-1)!);
      expect([first.value, ...lines]).toHaveLength(69);
    });
  });
});
