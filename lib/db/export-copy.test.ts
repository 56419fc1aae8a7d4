// The export's copying path (segments spliced from their stored JSON) against the parsing path
// (TraceStore.get, then the format's record): the same bytes, and the copy declined where the
// stored text is not in the schema's shape.
import { createReadStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { traceToLines, type ExportFormat, type ExportOptions } from "@/lib/export";
import { BUILTIN_HINTS } from "@/hints";
import type { Trace } from "@/lib/protocol";
import { exportChunks, exportLines, exportStream, type TraceToLines } from "./export-stream";
import { importTraces } from "./import";
import { openDb, type Db } from "./sqlite";
import { TraceStore } from "./traces";

const ROOT = path.resolve(import.meta.dirname, "../..");
const NOW = 1_740_000_000_000;
let dir: string;
let db: Db;
beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "hintlab-export-copy-"));
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

/** traceToLines(format) counting the traces its copying path took. */
function counting(format: ExportFormat = "segments", opts: ExportOptions = {}): { toLines: TraceToLines; copied: () => number } {
  const inner = traceToLines(format, opts);
  let copied = 0;
  const toLines = Object.assign((t: Trace) => inner(t), {
    fromStoredSegments: (t: Trace, json: readonly string[]) => {
      const r = inner.fromStoredSegments!(t, json);
      if (r) copied++;
      return r;
    },
  });
  return { toLines, copied: () => copied };
}
/** The parsing path, one TraceStore.get per trace. */
const parsedExport = (ids: string[], format: ExportFormat = "segments", opts: ExportOptions = {}) => ids.flatMap((id) => traceToLines(format, opts)(new TraceStore(db).get(id))).join("");

describe("the segments export copies stored segment text", () => {
  it("byte for byte what parsing each trace gives, for every trace of the fixtures (hints, tool outputs, edits, annotations)", async () => {
    const ids = [...new TraceStore(db).iterateIds({})];
    // The golden input's first four traces are R1's (refused as clashes); its fifth has edits and annotations.
    expect(ids.length).toBe(40 + 30 + 1);
    const marked = ids.map((id) => new TraceStore(db).get(id)).filter((t) => t.edits?.length);
    expect(marked.map((t) => [t.edits?.length, t.annotations?.length, t.segments.some((s) => s.kind === "hint")])).toEqual([[2, 1, true]]);
    const { toLines, copied } = counting();
    expect([...exportLines(db, {}, toLines)].join("")).toBe(parsedExport(ids));
    expect(copied()).toBe(ids.length);
    // And through the route's byte stream, with traceToLines as the route passes it.
    const bytes = Buffer.from(await new Response(exportStream(db, {}, traceToLines("segments"))).arrayBuffer());
    expect(bytes.equals(Buffer.from(parsedExport(ids)))).toBe(true);
  });

  it("falls back to parsing where a stored segment is not in the schema's shape, with the same bytes", () => {
    const store = new TraceStore(db);
    const ids = [...store.iterateIds({ dataset: "tora" })];
    const put = db.prepare("UPDATE segments SET json = ? WHERE trace_id = ? AND idx = 0");
    // Written by hand, not by TraceStore: keys out of order, and a key the schema drops.
    put.run(JSON.stringify({ text: "Solve: 1 + 1", kind: "prompt", id: "seg-a" }), ids[0]);
    put.run(JSON.stringify({ id: "seg-b", kind: "prompt", text: "Solve", note: "stray" }), ids[1]);
    // A fork's stored edit segment (original, editId, author) is in the shape: copied.
    put.run(JSON.stringify({ id: "seg-c", kind: "edit", text: 'So "x" = \\2', original: "So x = 2", editId: "e-1", author: "ann" }), ids[2]);
    const { toLines, copied } = counting();
    const out = [...exportLines(db, { dataset: "tora" }, toLines)].join("");
    expect(out).toBe(parsedExport(ids));
    expect(copied()).toBe(ids.length - 2);
    expect(out).toContain('{"id":"seg-a","kind":"prompt","text":"Solve: 1 + 1","train":false}');
    expect(out).not.toContain("stray");
    expect(out).toContain('"editId":"e-1","author":"ann","train":true}');
  });

  it("a stored segment the schema refuses fails the export as parsing does", () => {
    const [id] = [...new TraceStore(db).iterateIds({ dataset: "tora" })];
    db.prepare("UPDATE segments SET json = ? WHERE trace_id = ? AND idx = 0").run(JSON.stringify({ id: "s", kind: "thought", text: "x" }), id);
    expect(() => new TraceStore(db).get(id!)).toThrow();
    expect(() => [...exportLines(db, { dataset: "tora" }, traceToLines("segments"))]).toThrow();
  });
});

describe("the trl and openai exports copy stored segment text", () => {
  it("byte for byte what parsing gives; a trace with edits to apply is parsed", () => {
    const ids = [...new TraceStore(db).iterateIds({})];
    for (const [format, opts, declined] of [
      ["trl", {}, 1],
      ["openai", {}, 1],
      ["openai", { system: 'You are "careful".' }, 1],
      ["trl", { edited: false }, 0],
      ["openai", { edited: false }, 0],
    ] as [ExportFormat, ExportOptions, number][]) {
      const { toLines, copied } = counting(format, opts);
      expect([...exportLines(db, {}, toLines)].join(""), `${format} ${JSON.stringify(opts)}`).toBe(parsedExport(ids, format, opts));
      expect(copied()).toBe(ids.length - declined);
    }
  });

  it("texts with escapes, astral characters, empty segments and lone surrogates: the same bytes (lone surrogates parsed)", () => {
    const store = new TraceStore(db);
    const ids = [...store.iterateIds({ dataset: "tora" })].slice(0, 3);
    const put = db.prepare("UPDATE segments SET json = ? WHERE trace_id = ? AND idx = ?");
    const seg = (id: string, kind: string, text: string) => JSON.stringify({ id, kind, text });
    // Astral characters (a pair: one code point, two UTF-16 units), escapes of every kind, an empty model segment between two hints.
    put.run(seg("a0", "prompt", 'Q: "𝑥²" \\ \t \u0001 \n'), ids[0], 0);
    put.run(seg("a1", "model", "😀 then \"quoted\"\n\u0002 and \\u not an escape"), ids[0], 1);
    put.run(seg("b0", "model", ""), ids[1], 1);
    // A lone surrogate at a segment's end: JSON.stringify escapes it, so that trace is parsed.
    put.run(seg("c1", "model", "half \ud83d"), ids[2], 1);
    for (const format of ["trl", "openai"] as ExportFormat[]) {
      const { toLines, copied } = counting(format);
      expect([...exportLines(db, { dataset: "tora" }, toLines)].join(""), format).toBe(parsedExport([...store.iterateIds({ dataset: "tora" })], format));
      expect(copied()).toBe(30 - 1);
    }
  });
});

describe("export chunks", () => {
  it("are the lines' UTF-8 bytes in order, about 1 MB each, a longer line in a chunk of its own", () => {
    const lines = Array.from({ length: 400 }, (_, i) => `{"n":${i},"text":"${"ünïcödé 😀 ".repeat(i % 7 === 0 ? 900 : 40)}"}\n`);
    lines.splice(200, 0, `"${"x".repeat(1_500_000)}"\n`);
    const chunks = [...exportChunks(lines.values())];
    expect(Buffer.concat(chunks).equals(Buffer.from(lines.join("")))).toBe(true);
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.filter((c) => c.length > 1 << 20).map((c) => c.length)).toEqual([1_500_003]);
    // Short: only the last one and the one the long line cut off.
    expect(chunks.filter((c) => c.length < 900_000).length).toBeLessThanOrEqual(2);
    expect([...exportChunks([].values())]).toEqual([]);
  });
});
