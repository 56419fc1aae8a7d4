import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import path from "node:path";
import { TraceSchema, type Edit, type Segment, type Trace } from "@/lib/protocol";
import { applyEdits, deriveEdited, exportTrace, ExportQuerySchema, splitExportQuery, toJsonlLine } from "./index";

const golden = readFileSync(path.join(import.meta.dirname, "__golden__/input.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => TraceSchema.parse(JSON.parse(l)));
const hintInfer = golden[4]!;
const text = (segments: readonly { text: string }[]) => segments.map((s) => s.text).join("");

const seg = (id: string, kind: Segment["kind"], t: string): Segment => ({ id, kind, text: t });
const edit = (id: string, segment: number, start: number, end: number, original: string, replacement: string, createdAt = 1): Edit => ({
  id,
  segment,
  start,
  end,
  original,
  replacement,
  author: "a",
  createdAt,
});

function trace(segments: Segment[], edits: Edit[] = []): Trace {
  return { ...hintInfer, segments, edits, annotations: [] };
}

describe("applyEdits", () => {
  const segments = [seg("p", "prompt", "Q: "), seg("m", "model", "one two three"), seg("h", "hint", "Wait, use Python.\n```python\n")];

  it("splits a model segment around each edit; ids stay unique and stored segments are untouched", () => {
    const before = JSON.stringify(segments);
    const out = applyEdits(segments, [edit("e2", 1, 8, 13, "three", "3"), edit("e1", 1, 0, 3, "one", "1")]);
    expect(out.map((s) => [s.id, s.kind, s.text])).toEqual([
      ["p", "prompt", "Q: "],
      ["e1", "edit", "1"],
      ["m@3", "model", " two "],
      ["e2", "edit", "3"],
      ["h", "hint", "Wait, use Python.\n```python\n"],
    ]);
    expect(out[1]!.original).toBe("one");
    expect(JSON.stringify(segments)).toBe(before);
  });

  it("keeps deletions (empty edit) and insertions (empty span) as edit segments", () => {
    const out = applyEdits(segments, [edit("del", 1, 3, 7, " two", ""), edit("ins", 1, 13, 13, "", "!")]);
    expect(text(out)).toBe("Q: one three!Wait, use Python.\n```python\n");
    expect(out.filter((s) => s.kind === "edit").map((s) => [s.text, s.original])).toEqual([
      ["", " two"],
      ["!", ""],
    ]);
  });

  it("skips edits that no longer apply: stale original, hint segment, out of range, overlapping", () => {
    const { segments: out, skippedEdits } = deriveEdited(segments, [
      edit("ok", 1, 0, 3, "one", "1"),
      edit("stale", 1, 4, 7, "TWO", "2"),
      edit("hint", 2, 0, 4, "Wait", "Hmm"),
      edit("range", 1, 10, 99, "ree", "x"),
      edit("overlap", 1, 2, 5, "e t", "x", 2),
    ]);
    expect(skippedEdits.map((e) => e.id).sort()).toEqual(["hint", "overlap", "range", "stale"]);
    expect(text(out)).toBe("Q: 1 two threeWait, use Python.\n```python\n");
  });
});

describe("training formats keep the trace text and mask what was not written by the model", () => {
  const edited = text(applyEdits(hintInfer.segments, hintInfer.edits));
  const promptText = hintInfer.segments[0]!.text;

  it("segments: train is true exactly for model and edit segments; unedited text is the stored text", () => {
    const [r] = exportTrace(hintInfer, "segments") as { segments: (Segment & { train: boolean })[]; edits: Edit[] }[];
    expect(r!.segments.every((s) => s.train === (s.kind === "model" || s.kind === "edit"))).toBe(true);
    expect(text(r!.segments)).toBe(text(hintInfer.segments));
    expect(r!.edits).toHaveLength(2);
    const [e] = exportTrace(hintInfer, "segments", { edited: true }) as { segments: Segment[]; edits?: Edit[] }[];
    expect(text(e!.segments)).toBe(edited);
    expect(e!.edits).toBeUndefined();
  });

  it("openai: user = problem, assistant chunks concatenate to the edited text after the prompt, weight 0 on hints and outputs", () => {
    const [r] = exportTrace(hintInfer, "openai", { system: "You are a careful solver." }) as { messages: { role: string; content: string; weight?: number }[] }[];
    const [system, user, ...assistant] = r!.messages;
    expect(system).toEqual({ role: "system", content: "You are a careful solver." });
    expect(user).toEqual({ role: "user", content: hintInfer.problem.statement });
    expect(promptText + assistant.map((m) => m.content).join("")).toBe(edited);
    expect(assistant.filter((m) => m.weight === 0).map((m) => m.content)).toEqual(hintInfer.segments.filter((s) => s.kind === "hint" || s.kind === "tool_output").map((s) => s.text));
    // Adjacent chunks always differ in weight.
    assistant.slice(1).forEach((m, i) => expect(m.weight).not.toBe(assistant[i]!.weight));
  });

  it("sharegpt: hints and tool outputs are observation turns, never gpt; turns alternate", () => {
    const [r] = exportTrace(hintInfer, "sharegpt") as { conversations: { from: string; value: string }[] }[];
    const turns = r!.conversations;
    expect(turns.map((t) => t.from)).toEqual(["human", "gpt", "observation", "gpt", "observation", "gpt", "observation", "gpt", "observation", "gpt"]);
    expect(promptText + turns.slice(1).map((t) => t.value).join("")).toBe(edited);
    for (const t of turns.filter((t) => t.from === "gpt")) expect(t.value).not.toContain("Wait, maybe using Python here is a good idea.");
  });

  it("sharegpt: a hint right after the prompt joins the human turn; ending on untrained text adds an empty gpt turn", () => {
    const t = trace([seg("p", "prompt", "P"), seg("h", "hint", "Wait, use Python.\n```python\n"), seg("m", "model", "print(1)\n```\n"), seg("o", "tool_output", "```output\n1\n```\n")]);
    const [r] = exportTrace(t, "sharegpt") as { conversations: { from: string; value: string }[] }[];
    expect(r!.conversations).toEqual([
      { from: "human", value: hintInfer.problem.statement + "Wait, use Python.\n```python\n" },
      { from: "gpt", value: "print(1)\n```\n" },
      { from: "observation", value: "```output\n1\n```\n" },
      { from: "gpt", value: "" },
    ]);
  });

  it("trl: prompt + completion is the edited trace text; the mask runs cover the completion in code points", () => {
    const [r] = exportTrace(hintInfer, "trl") as { prompt: string; completion: string; completion_char_mask: [number, number, number][] }[];
    expect(r!.prompt + r!.completion).toBe(edited);
    const cps = Array.from(r!.completion);
    const mask = r!.completion_char_mask;
    expect(mask[0]![0]).toBe(0);
    expect(mask[mask.length - 1]![1]).toBe(cps.length);
    // The edit writes "𝑟" (outside the BMP): code points, not UTF-16 units, so Python slices match.
    expect(r!.completion.length).toBeGreaterThan(cps.length);
    const masked = mask.filter((m) => m[2] === 0).map(([s, e]) => cps.slice(s, e).join(""));
    expect(masked).toEqual(hintInfer.segments.filter((s) => s.kind === "hint" || s.kind === "tool_output").map((s) => s.text));
  });

  it("edited=false exports the text as generated", () => {
    const [r] = exportTrace(hintInfer, "trl", { edited: false }) as { prompt: string; completion: string }[];
    expect(r!.prompt + r!.completion).toBe(text(hintInfer.segments));
  });

  it("edits: one record per edit with context that does not split a surrogate pair", () => {
    const records = exportTrace(hintInfer, "edits", { context: 30 }) as { original: string; replacement: string; contextBefore: string; contextAfter: string; before: string; after: string }[];
    expect(records).toHaveLength(2);
    for (const r of records) {
      expect(Array.from(r.contextBefore).length).toBeLessThanOrEqual(30);
      expect(r.before).toBe(r.contextBefore + r.original + r.contextAfter);
      expect(r.after).toBe(r.contextBefore + r.replacement + r.contextAfter);
      expect(text(hintInfer.segments)).toContain(r.before);
    }
    const t = trace([seg("p", "prompt", "𝑥𝑦"), seg("m", "model", "ab")], [edit("e", 1, 0, 1, "a", "A")]);
    const [r] = exportTrace(t, "edits", { context: 1 }) as { contextBefore: string }[];
    expect(r!.contextBefore).toBe("𝑦");
    expect(exportTrace(golden[0]!, "edits")).toEqual([]);
  });

  it("edits scoped to a queue carry it right after the author; the other formats and unscoped edits do not", () => {
    const queue = { name: "R1 pass 2", id: "q-7" };
    const lines = exportTrace(hintInfer, "edits", { queue }).map(toJsonlLine);
    expect(lines).toHaveLength(2);
    for (const [i, line] of lines.entries()) {
      const r = JSON.parse(line) as Record<string, unknown>;
      expect(r).toMatchObject({ author: hintInfer.edits![i]!.author, queue: { id: "q-7", name: "R1 pass 2" } });
      // Fixed key order (id before name, whatever order the caller built it in): same selection, same bytes.
      expect(line).toContain(`"author":"annotator","queue":{"id":"q-7","name":"R1 pass 2"},"createdAt":`);
    }
    expect(exportTrace(hintInfer, "edits", {}).map(toJsonlLine).join("")).not.toContain('"queue"');
    expect(JSON.stringify(exportTrace(hintInfer, "segments", { queue }))).toBe(JSON.stringify(exportTrace(hintInfer, "segments")));
  });
});

describe("determinism", () => {
  it("same trace, same bytes; key order does not depend on how the segment objects were built", () => {
    const shuffled = { ...hintInfer, segments: hintInfer.segments.map((s) => Object.fromEntries(Object.entries(s).reverse()) as Segment) };
    for (const f of ["segments", "openai", "sharegpt", "trl", "edits"] as const) {
      expect(exportTrace(shuffled, f).map(toJsonlLine).join("")).toBe(exportTrace(hintInfer, f).map(toJsonlLine).join(""));
    }
  });
});

describe("ExportQuerySchema", () => {
  it("takes the list filters and the format options", () => {
    const q = splitExportQuery(ExportQuerySchema.parse({ format: "trl", verdict: "correct", review: "accepted", edited: "0", context: "50" }));
    expect(q).toEqual({ filters: { verdict: "correct", review: "accepted" }, format: "trl", opts: { edited: false, context: 50 } });
    expect(ExportQuerySchema.safeParse({ format: "csv" }).success).toBe(false);
  });
});
