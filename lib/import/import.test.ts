import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BUILTIN_HINTS, HINT_LIBRARY_VERSION, fillHint } from "@/hints";
import { exportTrace, toJsonlLine } from "@/lib/export";
import { AppError, TraceSchema, type CreateTraceBody, type Trace } from "@/lib/protocol";
import { decodeLine, parseImportLine, readLines, reconstruct, type ParsedLine, type RawLine } from "./index";

const DATA = path.resolve(import.meta.dirname, "../../e2e/fixtures/data");
const fixture = (f: string) => readFileSync(path.join(DATA, f), "utf8").split("\n").filter(Boolean);
const r1 = fixture("r1-distill-math-40.jsonl");
const tora = fixture("tora-tir-math-30.jsonl");
const ctx = { hints: BUILTIN_HINTS, hintLibraryVersion: HINT_LIBRARY_VERSION };
const ok = (p: ParsedLine) => {
  if (!p.ok) throw new Error(p.error);
  return p;
};
const text = (segments: readonly { text: string }[]) => segments.map((s) => s.text).join("");
const hint = (id: string) => BUILTIN_HINTS.find((h) => h.id === id)!;

describe("prompt/completion records (R1-distill fixture)", () => {
  it("every line becomes prompt + model text, exactly the prompt and completion; </think> stays in model text", () => {
    for (const line of r1) {
      const rec = JSON.parse(line) as { id: string; prompt: string; completion: string; problem: string; gold_answer: string; is_correct: boolean; extracted_answer: string; model: string };
      const { shape, body } = ok(parseImportLine(line, ctx));
      expect(shape).toBe("prompt-completion");
      expect(body.id).toBe(rec.id);
      expect(body.segments[0]).toEqual({ id: "seg-0", kind: "prompt", text: rec.prompt });
      expect(text(body.segments.slice(1))).toBe(rec.completion);
      expect(body.segments.slice(1).map((s) => s.kind)).toEqual(["model"]);
      expect(body.problem).toMatchObject({ statement: rec.problem, gold: rec.gold_answer, kind: "math" });
      expect(body.verdict).toBe(rec.is_correct ? "correct" : "incorrect");
      expect(body.answer).toBe(rec.extracted_answer);
      expect(body.config.model).toBe(rec.model);
    }
    const withThink = ok(parseImportLine(r1[0]!, ctx)).body;
    expect(withThink.segments[1]!.text).toContain("</think>");
  });

  it("{question, solution} records: the question is the prompt and the problem", () => {
    const { body } = ok(parseImportLine(JSON.stringify({ question: "What is 2+2?", solution: "2+2 = \\boxed{4}", answer: "4" }), ctx));
    expect(body.segments.map((s) => [s.kind, s.text])).toEqual([
      ["prompt", "What is 2+2?"],
      ["model", "2+2 = \\boxed{4}"],
    ]);
    expect(body.problem.gold).toBe("4");
    expect(body.id).toMatch(/^imp-[0-9a-f]{16}$/);
    // The same line always gets the same id, so importing a file twice adds nothing twice.
    expect(ok(parseImportLine(JSON.stringify({ question: "What is 2+2?", solution: "2+2 = \\boxed{4}", answer: "4" }), ctx)).body.id).toBe(body.id);
  });
});

describe("OpenAI messages records (ToRA fixture)", () => {
  it("```output blocks become tool_output segments, with the code that produced them as code-executed events", () => {
    let withOutput = 0;
    for (const line of tora) {
      const rec = JSON.parse(line) as { id: string; gt: string; messages: { role: string; content: string }[] };
      const { shape, body } = ok(parseImportLine(line, ctx));
      expect(shape).toBe("messages");
      const assistant = rec.messages[1]!.content;
      expect(body.segments[0]!.text).toBe(rec.messages[0]!.content);
      expect(body.problem.statement).toBe(rec.messages[0]!.content);
      expect(body.problem.gold).toBe(rec.gt);
      expect(text(body.segments.slice(1))).toBe(assistant);
      const outputs = body.segments.filter((s) => s.kind === "tool_output");
      const runs = body.events.filter((e) => e.type === "code-executed");
      expect(runs).toHaveLength(outputs.length);
      for (const o of outputs) expect(o.text).toMatch(/^```output\n[\s\S]*```\n?$/);
      if (outputs.length) {
        withOutput++;
        const code = assistant.slice(assistant.indexOf("```python\n") + 10, assistant.indexOf("```\n```output"));
        expect(runs[0]).toMatchObject({ code, stdout: outputs[0]!.text.slice("```output\n".length, -"```\n".length) });
      }
    }
    expect(withOutput).toBe(25);
  });

  it("hintlab's own openai export comes back with weight-0 chunks as hints (with their id) and tool outputs", () => {
    const trace = TraceSchema.parse(JSON.parse(readFileSync(path.join(import.meta.dirname, "../export/__golden__/input.jsonl"), "utf8").split("\n")[4]!));
    const [rec] = exportTrace(trace, "openai", { edited: false });
    const { body } = ok(parseImportLine(JSON.stringify(rec), ctx));
    expect(body.segments.map((s) => s.kind)).toEqual(trace.segments.map((s) => s.kind));
    expect(body.segments.filter((s) => s.kind === "hint").map((s) => s.hintId)).toEqual(["math-general", "math-self-reflection"]);
  });
});

describe("segment reconstruction from model text", () => {
  // A real R1 trace with hints injected as the engine does: cut before "Wait" / "</think>", hint, code, output.
  const rec = JSON.parse(r1[0]!) as { prompt: string; completion: string; problem: string };
  const c = rec.completion;
  const wait = c.indexOf("Wait");
  const think = c.indexOf("</think>");
  const code = "print(round(((1 + 0.06/12)**12 - 1) * 100, 2))\n```\n";
  const out = "```output\n6.17\n```\n";
  const injected =
    c.slice(0, wait) + hint("math-general").text + code + out + c.slice(wait, think) + hint("math-check-understanding").text + code + out + c.slice(think);

  it("finds built-in hint texts as hint segments with their ids; the rest is model text and tool output", () => {
    const { body } = ok(parseImportLine(JSON.stringify({ prompt: rec.prompt, completion: injected, problem: rec.problem }), ctx));
    expect(body.segments.map((s) => s.kind)).toEqual(["prompt", "model", "hint", "model", "tool_output", "model", "hint", "model", "tool_output", "model"]);
    expect(body.segments.filter((s) => s.kind === "hint").map((s) => s.hintId)).toEqual(["math-general", "math-check-understanding"]);
    expect(text(body.segments.slice(1))).toBe(injected);
    expect(body.segments[9]!.text.startsWith("</think>")).toBe(true);
    expect(body.config.policy.type).toBe("manual");
  });

  it("a code hint with {testcase} filled from the problem is still recognised", () => {
    const h = hint("code-debug-stdin");
    const filled = fillHint(h.text, { tests: [{ input: "3\n1 2 3\n", output: "6\n", type: "stdin" }] });
    const t = `I think a loop works.\n${filled}print(6)\n\`\`\`\n\`\`\`output\n6\n\`\`\`\nGood.`;
    const { pieces } = reconstruct(t, BUILTIN_HINTS);
    expect(pieces.map((p) => [p.kind, p.hintId])).toEqual([
      ["model", undefined],
      ["hint", "code-debug-stdin"],
      ["model", undefined],
      ["tool_output", undefined],
      ["model", undefined],
    ]);
  });

  it("an unclosed output block runs to the end; ```output inside a line is not a block", () => {
    expect(reconstruct("x\n```output\n1\n", []).pieces.map((p) => p.kind)).toEqual(["model", "tool_output"]);
    expect(reconstruct("the ```output fence", []).pieces.map((p) => p.kind)).toEqual(["model"]);
    expect(reconstruct("```python\nx\n```\n```output\n```\ndone", []).pieces.map((p) => [p.kind, p.text])).toEqual([
      ["model", "```python\nx\n```\n"],
      ["tool_output", "```output\n```\n"],
      ["model", "done"],
    ]);
  });
});

describe("numbers are kept as written", () => {
  it("a gold, an answer and an id beyond 2^53 are the file's digits, not the nearest double", () => {
    const line = '{"id": 12345678901234567891, "prompt": "p", "completion": "\\\\boxed{12345678901234567891}", "answer": 12345678901234567891, "pred": 12345678901234567890}';
    const { body } = ok(parseImportLine(line, ctx));
    expect(body.id).toBe("12345678901234567891");
    expect(body.problem.gold).toBe("12345678901234567891");
    expect(body.answer).toBe("12345678901234567890");
    const decimal = ok(parseImportLine('{"prompt": "p", "completion": "c", "gold": 0.1000000000000000055511151231257827, "answer": 1e400}', ctx));
    expect(decimal.body.problem.gold).toBe("0.1000000000000000055511151231257827");
  });
});

describe("bad lines are reported with the reason", () => {
  const err = (line: string) => {
    const p = parseImportLine(line, ctx);
    if (p.ok) throw new Error("expected a failure");
    return p.error;
  };
  it("invalid JSON, not an object, unknown shape, missing fields", () => {
    expect(err('{"prompt": "x", "completion": ')).toMatch(/^invalid JSON: /);
    expect(err("[1,2]")).toBe("expected a JSON object per line, got an array");
    expect(err('{"foo": 1, "bar": 2}')).toMatch(/unrecognised record \(keys: foo, bar\)/);
    expect(err('{"completion": "x"}')).toMatch(/missing field: a completion record needs "prompt"/);
    expect(err('{"messages": [{"role": "assistant", "content": "x"}]}')).toMatch(/assistant turn before the first user turn/);
    expect(err('{"messages": [{"role": "system", "content": "x"}]}')).toMatch(/missing field: messages has no user turn/);
    expect(err('{"messages": [{"role": "user", "content": 3}]}')).toMatch(/missing field: messages\[0\] has no text content/);
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    expect(err(`{"segments": ${deep}}`)).toMatch(/^invalid trace: problem: /);
  });
  it("a native record names the wrong field, and an edit that does not match its segment", () => {
    const trace = JSON.parse(readFileSync(path.join(import.meta.dirname, "../export/__golden__/input.jsonl"), "utf8").split("\n")[4]!) as Trace;
    expect(err(JSON.stringify({ ...trace, problem: { ...trace.problem, statement: "" } }))).toMatch(/problem\.statement: the problem statement is empty/);
    expect(err(JSON.stringify({ ...trace, segments: [{ kind: "model" }] }))).toMatch(/^invalid trace: segments\.0\.id/);
    const bad = { ...trace, edits: [{ ...trace.edits![0]!, original: "not there" }] };
    expect(err(JSON.stringify(bad))).toMatch(/edits 0: "original" does not match/);
    expect(err(JSON.stringify({ ...trace, edits: [{ ...trace.edits![0]!, segment: 2, start: 0, end: 4, original: "Wait" }] }))).toMatch(/only model text can be edited/);
  });
  it("a native record keeps everything and drops what the server owns", () => {
    const trace = JSON.parse(readFileSync(path.join(import.meta.dirname, "../export/__golden__/input.jsonl"), "utf8").split("\n")[4]!) as Trace;
    const { body } = ok(parseImportLine(JSON.stringify(trace), { ...ctx, dataset: "override" }));
    const expected: CreateTraceBody = { ...trace, dataset: "override" };
    delete (expected as Partial<Trace>).version;
    delete (expected as Partial<Trace>).updatedAt;
    expect(body).toEqual(expected);
  });
});

async function collect(chunks: (string | Uint8Array)[], limits = { maxBytes: 1 << 20, maxLineBytes: 1 << 16 }): Promise<RawLine[]> {
  const enc = new TextEncoder();
  async function* source() {
    for (const c of chunks) yield typeof c === "string" ? enc.encode(c) : c;
  }
  const out: RawLine[] = [];
  for await (const l of readLines(source(), limits)) out.push(l);
  return out;
}
const texts = (lines: RawLine[]) => lines.map((l) => (l.bytes ? new TextDecoder().decode(l.bytes) : `!${l.error}`));

describe("readLines / decodeLine", () => {
  it("splits across chunks, keeps a multi-byte character split between chunks, drops CR and a UTF-8 BOM", async () => {
    const euro = new TextEncoder().encode("€");
    const lines = await collect([new Uint8Array([0xef, 0xbb, 0xbf]), "a\r\nb", euro.subarray(0, 1), euro.subarray(1), "c\n\nlast"]);
    expect(texts(lines)).toEqual(["a", "b€c", "", "last"]);
    expect(lines.map((l) => l.line)).toEqual([1, 2, 3, 4]);
  });
  it("a line over the line limit is reported and skipped, the next one is read", async () => {
    const lines = await collect(["x".repeat(50), "y".repeat(50), "\nok\n"], { maxBytes: 1000, maxLineBytes: 64 });
    expect(texts(lines)).toEqual(["!the line is longer than 64 bytes; skipped", "ok"]);
  });
  it("past the upload limit: 413, without reading the rest", async () => {
    let pulled = 0;
    async function* huge() {
      const chunk = new Uint8Array(1 << 20).fill(0x61);
      for (let i = 0; i < 200; i++) {
        pulled += chunk.length;
        yield chunk;
      }
    }
    const run = async () => {
      for await (const _ of readLines(huge(), { maxBytes: 10 << 20, maxLineBytes: 1 << 20 })) void _;
    };
    await expect(run()).rejects.toMatchObject({ code: "payload-too-large", status: 413 });
    expect(pulled).toBeLessThanOrEqual(11 << 20);
  });
  it("compressed files and UTF-16 are refused from their first bytes with what to do", async () => {
    await expect(collect([new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2])])).rejects.toThrow(/gzip-compressed: decompress it first/);
    await expect(collect([new Uint8Array([0xff]), new Uint8Array([0xfe, 0x7b, 0x00])])).rejects.toThrow(/UTF-16 text: save it as UTF-8/);
    await expect(collect([new Uint8Array([0x1f, 0x8b, 8, 0])])).rejects.toBeInstanceOf(AppError);
  });
  it("binary (NUL) and invalid UTF-8 (Latin-1) lines are named, not decoded", () => {
    expect(decodeLine(new Uint8Array([0x7b, 0x00, 0x7d]))).toEqual({ error: expect.stringMatching(/binary data \(a NUL byte at byte 2 of the line\)/) });
    const latin1 = new Uint8Array([...new TextEncoder().encode('{"a":"caf'), 0xe9, 0x22, 0x7d]);
    expect(decodeLine(latin1)).toEqual({
      error: expect.stringMatching(/not valid UTF-8/),
    });
    expect(decodeLine(new TextEncoder().encode('{"a":"café"}'))).toEqual({ text: '{"a":"café"}' });
  });
});

describe("round trip of the chat and trl formats", () => {
  const input = readFileSync(path.join(import.meta.dirname, "../export/__golden__/input.jsonl"), "utf8").split("\n").filter(Boolean);
  for (const format of ["openai", "sharegpt", "trl"] as const) {
    it(`${format}: import of an export exports to the same bytes`, () => {
      for (const line of input) {
        const trace = TraceSchema.parse(JSON.parse(line));
        const first = exportTrace(trace, format).map(toJsonlLine).join("");
        const { body } = ok(parseImportLine(first.trimEnd(), ctx));
        const again = TraceSchema.parse({ ...body, version: 1, createdAt: 0, updatedAt: 0 });
        expect(exportTrace(again, format).map(toJsonlLine).join("")).toBe(first);
      }
    });
  }
});
