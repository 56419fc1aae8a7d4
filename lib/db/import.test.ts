import { spawnSync } from "node:child_process";
import { createReadStream, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { traceToLines, type ExportFormat } from "@/lib/export";
import { BUILTIN_HINTS } from "@/hints";
import { exportLines, type ExportFilters } from "./export-stream";
import { importTraces, type ImportOptions } from "./import";
import { openDb, type Db } from "./sqlite";
import { TraceStore } from "./traces";
import { backends, testDbLocation } from "./test-backends";

describe.each(backends)("%s", (backend) => {
  const ROOT = path.resolve(import.meta.dirname, "../..");
  const DATA = path.join(ROOT, "e2e/fixtures/data");
  const GOLDEN = path.join(ROOT, "lib/export/__golden__");
  const R1 = path.join(DATA, "r1-distill-math-40.jsonl");
  const TORA = path.join(DATA, "tora-tir-math-30.jsonl");
  const NOW = 1_740_000_000_000;
  const r1Lines = readFileSync(R1, "utf8").split("\n").filter(Boolean);
  const toraLines = readFileSync(TORA, "utf8").split("\n").filter(Boolean);

  let dir: string;
  let db: Db;
  let n = 0;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "hintlab-import-test-"));
    db = openDb(testDbLocation(backend, dir, "a.db"));
    // Where a PostgreSQL store spools (a SQLite one spools beside its file, also `dir`).
    vi.stubEnv("HINTLAB_DATA_DIR", dir);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const freshDb = () => openDb(testDbLocation(backend, dir, `more-${n++}.db`));

  const opts = (o: Partial<ImportOptions> = {}): ImportOptions => ({ mode: "valid-lines", hints: BUILTIN_HINTS, now: NOW, ...o });
  async function* bytes(...parts: (string | Uint8Array)[]) {
    for (const p of parts) yield typeof p === "string" ? new TextEncoder().encode(p) : p;
  }
  const exportText = (d: Db, format: ExportFormat, filters: ExportFilters = {}) => [...exportLines(d, filters, traceToLines(format))].join("");

  /** Every stored row, for "nothing already stored changed". */
  function snapshot(d: Db): string {
    const tables = ["traces", "segments", "events", "annotations", "edits", "trace_search_map"];
    return JSON.stringify(tables.map((t) => d.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).all()));
  }

  describe("import of the real fixtures", () => {
    it("R1-distill prompt/completion and ToRA messages files import whole, searchable, with tool calls counted", async () => {
      const a = await importTraces(db, createReadStream(R1), opts());
      expect(a).toMatchObject({ committed: true, lines: 40, imported: 40, failed: 0, shapes: { "prompt-completion": 40 } });
      const b = await importTraces(db, createReadStream(TORA), opts({ dataset: "tora" }));
      expect(b).toMatchObject({ committed: true, lines: 30, imported: 30, failed: 0, shapes: { messages: 30 } });
      const store = new TraceStore(db);
      expect(store.list({ sort: "created", order: "desc", limit: 1, offset: 0 }).total).toBe(70);
      const tora = store.list({ dataset: "tora", sort: "tool_calls", order: "desc", limit: 50, offset: 0 });
      expect(tora.total).toBe(30);
      expect(tora.items.filter((t) => t.toolCalls === 1)).toHaveLength(25);
      expect(store.list({ q: "Manchu", sort: "created", order: "asc", limit: 50, offset: 0 }).items.map((i) => i.id)).toContain("deepseek-r1-distill-llama-8b/problem_1591/correct");
      expect(store.list({ verdict: "incorrect", sort: "created", order: "asc", limit: 50, offset: 0 }).total).toBe(20);
      // File order is kept (oldest first) for records without a time.
      expect([...store.iterateIds({ dataset: "tora" })]).toEqual(toraLines.map((l) => (JSON.parse(l) as { id: string }).id));
    });

    it("importing the same file again adds nothing and changes nothing", async () => {
      await importTraces(db, createReadStream(TORA), opts());
      const before = snapshot(db);
      const again = await importTraces(db, createReadStream(TORA), opts({ now: NOW + 1000 }));
      expect(again).toMatchObject({ committed: false, imported: 0, failed: 30 });
      expect(again.errors[0]).toEqual({ line: 1, error: "a trace with id math-train-1149-0 already exists" });
      expect(snapshot(db)).toBe(before);
    });

    it("a large import waits in a temp file, with the same result", async () => {
      await importTraces(db, createReadStream(R1), opts());
      const other = freshDb();
      await importTraces(other, createReadStream(R1), opts({ spillBytes: 1 }));
      expect(exportText(other, "segments")).toBe(exportText(db, "segments"));
      other.close();
    });
  });

  describe("the spool of a large import", () => {
    const spoolFiles = () => readdirSync(dir).filter((f) => f.endsWith(".spool"));
    /** Files this process holds open that were deleted (Linux /proc), i.e. spools without a name. */
    const namelessSpools = () => readdirSync("/proc/self/fd").flatMap((fd) => {
      try {
        const target = readlinkSync(`/proc/self/fd/${fd}`);
        return target.includes(".hintlab-import-") && target.endsWith(" (deleted)") ? [target] : [];
      } catch {
        return [];
      }
    });

    it.skipIf(process.platform !== "linux")("has no name while the import runs (so a killed process leaves nothing), and is closed after", async () => {
      let during: { named: string[]; nameless: string[] } | undefined;
      async function* source() {
        for (const [k, line] of r1Lines.entries()) {
          if (k === 20) during = { named: spoolFiles(), nameless: namelessSpools() };
          yield new TextEncoder().encode(line + "\n");
        }
      }
      const r = await importTraces(db, source(), opts({ spillBytes: 1 }));
      expect(r).toMatchObject({ committed: true, imported: 40 });
      expect(during!.named).toEqual([]);
      expect(during!.nameless).toHaveLength(1);
      expect(during!.nameless[0]!.startsWith(path.join(dir, ".hintlab-import-"))).toBe(true); // beside the database, not in tmpdir
      expect(namelessSpools()).toEqual([]);
    });

    it("removes a spool left by a process that is gone, keeps one of a live process", async () => {
      const dead = spawnSync(process.execPath, ["-e", ""]).pid;
      writeFileSync(path.join(dir, `.hintlab-import-${dead}-0a1b2c.spool`), "left behind");
      writeFileSync(path.join(dir, `.hintlab-import-${process.ppid}-0a1b2c.spool`), "in use");
      await importTraces(db, createReadStream(R1), opts({ spillBytes: 1 }));
      expect(spoolFiles()).toEqual([`.hintlab-import-${process.ppid}-0a1b2c.spool`]);
    });
  });

  describe("numbers in imported traces", () => {
    it("a gold and an answer beyond 2^53 are stored as the file wrote them", async () => {
      const line = '{"id": "big", "prompt": "p", "completion": "so \\\\boxed{12345678901234567891}", "gold": 12345678901234567891, "pred": 12345678901234567891}\n';
      const r = await importTraces(db, bytes(line), opts({ dataset: "big" }));
      expect(r).toMatchObject({ committed: true, imported: 1 });
      const trace = new TraceStore(db).get("big");
      expect(trace.problem.gold).toBe("12345678901234567891");
      expect(trace.answer).toBe("12345678901234567891");
      expect(trace.dataset).toBe("big");
    });

    it("settle: mode and dataset known only at the end (form fields after the file) apply", async () => {
      const r = await importTraces(db, createReadStream(TORA), opts({ settle: () => ({ mode: "valid-lines", dataset: "late" }) }));
      expect(r.imported).toBe(30);
      expect([...new TraceStore(db).iterateIds({ dataset: "late" })]).toHaveLength(30);
      const bad = Buffer.concat([Buffer.from(r1Lines[0]! + "\n{oops\n")]);
      const refused = await importTraces(freshDb(), bytes(bad), opts({ settle: () => ({ mode: "all-or-nothing" }) }));
      expect(refused).toMatchObject({ mode: "all-or-nothing", committed: false, imported: 0, failed: 1 });
    });
  });

  describe("export from the database", () => {
    it("the golden input, imported, exports exactly the golden files (every format)", async () => {
      const r = await importTraces(db, createReadStream(path.join(GOLDEN, "input.jsonl")), opts());
      expect(r.imported).toBe(5);
      for (const f of ["segments", "openai", "sharegpt", "trl", "edits"] as const) {
        expect(Buffer.from(exportText(db, f)).equals(readFileSync(path.join(GOLDEN, `${f}.jsonl`))), f).toBe(true);
      }
    });

    it("round trip: segments export -> import into an empty database -> export is byte-identical", async () => {
      await importTraces(db, createReadStream(R1), opts());
      await importTraces(db, createReadStream(TORA), opts({ now: NOW + 5000 }));
      // Four golden traces were imported from these same fixture lines: only the Hint-infer one is new.
      expect(await importTraces(db, createReadStream(path.join(GOLDEN, "input.jsonl")), opts())).toMatchObject({ imported: 1, failed: 4 });
      const first = exportText(db, "segments");
      const other = freshDb();
      const r = await importTraces(other, bytes(first), opts({ now: NOW + 99_999 }));
      expect(r).toMatchObject({ committed: true, imported: 71, failed: 0, shapes: { segments: 71 } });
      expect(exportText(other, "segments")).toBe(first);
      for (const f of ["openai", "sharegpt", "trl", "edits"] as const) expect(exportText(other, f)).toBe(exportText(db, f));
      other.close();
    });

    it("deterministic: the same selection gives the same bytes, whatever order the traces were stored in", async () => {
      await importTraces(db, createReadStream(path.join(GOLDEN, "input.jsonl")), opts());
      await importTraces(db, createReadStream(R1), opts());
      const lines = exportText(db, "segments").trimEnd().split("\n");
      const other = freshDb();
      await importTraces(other, bytes([...lines].reverse().join("\n")), opts({ now: NOW + 123 }));
      for (const f of ["segments", "openai", "sharegpt", "trl", "edits"] as const) {
        expect(exportText(other, f)).toBe(exportText(db, f));
        expect(exportText(db, f)).toBe(exportText(db, f));
      }
      expect(exportText(other, "trl", { verdict: "correct", dataset: "golden" })).toBe(exportText(db, "trl", { verdict: "correct", dataset: "golden" }));
      other.close();
    });

    it("filters select like the trace list", async () => {
      await importTraces(db, createReadStream(R1), opts());
      await importTraces(db, createReadStream(TORA), opts({ dataset: "tora" }));
      const count = (f: ExportFilters) => exportText(db, "openai", f).split("\n").filter(Boolean).length;
      expect(count({ dataset: "tora" })).toBe(30);
      expect(count({ verdict: "correct" })).toBe(20);
      expect(count({ model: "deepseek-ai/DeepSeek-R1-Distill-Qwen-14B" })).toBe(r1Lines.filter((l) => l.includes('"model": "deepseek-ai/DeepSeek-R1-Distill-Qwen-14B"')).length);
      expect(count({ q: "ceiling" })).toBeGreaterThan(0);
      expect(count({ review: "accepted" })).toBe(0);
    });
  });

  describe("bad input", () => {
    const nul = new Uint8Array([0x7b, 0x22, 0x61, 0x00, 0x22, 0x7d, 0x0a]);
    const latin1 = new Uint8Array([...new TextEncoder().encode('{"question": "caf'), 0xe9, ...new TextEncoder().encode('", "solution": "x"}\n')]);
    const broken = () =>
      bytes(
        r1Lines[0]! + "\n",
        r1Lines[1]!.slice(0, 500) + "\n", // cut off mid-record
        toraLines[0]! + "\n",
        JSON.stringify({ completion: "no prompt here" }) + "\n",
        nul,
        latin1,
        "\n",
        r1Lines[0]! + "\n", // the same id again
        r1Lines[2]! + "\n",
      );
    const expectedErrors = [
      { line: 2, error: expect.stringMatching(/^invalid JSON: /) },
      { line: 4, error: expect.stringMatching(/^missing field: a completion record needs "prompt"/) },
      { line: 5, error: expect.stringMatching(/^binary data/) },
      { line: 6, error: expect.stringMatching(/not valid UTF-8/) },
      { line: 8, error: `duplicate id "deepseek-r1-distill-llama-8b/problem_1591/correct" (also on line 1)` },
    ];

    it("valid-lines: the valid lines are imported, each failed line is reported with its number and reason", async () => {
      const r = await importTraces(db, broken(), opts());
      expect(r).toMatchObject({ committed: true, lines: 8, imported: 3, failed: 5 });
      expect(r.errors).toEqual(expectedErrors);
      expect(r.ids).toEqual([JSON.parse(r1Lines[0]!).id, "math-train-1149-0", JSON.parse(r1Lines[2]!).id]);
    });

    it("all-or-nothing: the same file imports nothing and reports every failed line", async () => {
      await importTraces(db, createReadStream(TORA), opts({ dataset: "before" }));
      const before = snapshot(db);
      const r = await importTraces(db, broken(), opts({ mode: "all-or-nothing" }));
      expect(r).toMatchObject({ committed: false, imported: 0, failed: 5, ids: [] });
      expect(r.errors).toEqual(expectedErrors);
      expect(snapshot(db)).toBe(before);
    });

    it("all-or-nothing: a clash with a stored trace rolls back the lines already written", async () => {
      await importTraces(db, bytes(r1Lines[5]!), opts());
      const before = snapshot(db);
      const r = await importTraces(db, bytes(r1Lines.slice(0, 10).join("\n")), opts({ mode: "all-or-nothing" }));
      expect(r).toMatchObject({ committed: false, imported: 0, failed: 1 });
      expect(r.errors).toEqual([{ line: 6, error: `a trace with id ${JSON.parse(r1Lines[5]!).id} already exists` }]);
      expect(snapshot(db)).toBe(before);
    });

    it("a file over the limit (a 200 MB upload), compressed or UTF-16 is refused and the database is untouched", async () => {
      await importTraces(db, createReadStream(R1), opts());
      const before = snapshot(db);
      let pulled = 0;
      async function* huge() {
        const line = new TextEncoder().encode(r1Lines[3]! + "\n");
        while (pulled < 200 * 1024 * 1024) {
          pulled += line.length;
          yield line;
        }
      }
      await expect(importTraces(db, huge(), opts({ maxBytes: 8 * 1024 * 1024 }))).rejects.toMatchObject({ status: 413, message: expect.stringContaining("larger than the import limit of 8 MB") });
      expect(pulled).toBeLessThan(9 * 1024 * 1024);
      await expect(importTraces(db, bytes(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0])), opts())).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/gzip/) });
      await expect(importTraces(db, bytes(new Uint8Array([0xff, 0xfe, 0x7b, 0])), opts())).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/UTF-16/) });
      expect(snapshot(db)).toBe(before);
    });

    it("a fork whose parent is not in the database is imported without the link, with a warning", async () => {
      const golden = readFileSync(path.join(GOLDEN, "input.jsonl"), "utf8").split("\n")[4]!;
      const fork = { ...JSON.parse(golden), id: "fork-1", parentId: "missing-parent", forkAt: { segment: 1, offset: 10 }, annotations: [], edits: [] };
      const r = await importTraces(db, bytes(JSON.stringify(fork)), opts());
      expect(r).toMatchObject({ imported: 1, warnings: [{ line: 1, warning: expect.stringContaining("missing-parent") }] });
      expect(new TraceStore(db).get("fork-1").parentId).toBeUndefined();
    });
  });
});
