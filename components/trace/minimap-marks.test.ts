import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Segment } from "@/lib/protocol";
import { triggerRegex } from "./highlight";
import { createMarkScanner, minimapLayout } from "./minimap-marks";

const FIXTURES = path.resolve(import.meta.dirname, "../../../shared/fixtures/traces");
const r1 = readFileSync(path.join(FIXTURES, "r1-distill-math-40.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l) as { prompt: string; completion: string });
const tora = readFileSync(path.join(FIXTURES, "tora-tir-math-30.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l) as { messages: { role: string; content: string }[] });

const seg = (id: string, kind: Segment["kind"], text: string, extra: Partial<Segment> = {}): Segment => ({ id, kind, text, ...extra });
const WAIT = triggerRegex(["Wait", "Alternatively"]);

/** A ToRA trajectory as the playground would hold it: model text, then each ```output block as its own tool segment. */
function toraSegments(content: string): Segment[] {
  const out: Segment[] = [seg("p", "prompt", "Solve it.\n")];
  const parts = content.split(/(```output\n[\s\S]*?```\n?)/);
  parts.forEach((p, i) => {
    if (p) out.push(seg(`s${i}`, p.startsWith("```output") ? "tool_output" : "model", p));
  });
  return out;
}

describe("minimapLayout", () => {
  it("puts a tick on every trigger of a real R1 trace, at its character position (prompt not counted)", () => {
    const { prompt, completion } = r1[0]!;
    const layout = minimapLayout([seg("p", "prompt", prompt), seg("m", "model", completion)], WAIT);
    const expected = [...completion.matchAll(/(?<![A-Za-z0-9_])(Wait|Alternatively)(?![A-Za-z0-9_])/g)].map((m) => m.index);
    expect(expected.length).toBeGreaterThan(3);
    expect(layout.total).toBe(completion.length);
    expect(layout.marks.filter((m) => m.kind === "trigger").map((m) => m.pos)).toEqual(expected);
    expect(layout.marks.every((m) => m.segment === 1 && m.offset === m.pos)).toBe(true);
  });

  it("marks code blocks, tool outputs and hints of a tool-integrated trace in text order, positions across segments", () => {
    // Two real trajectories one after the other (each has one code block and its output).
    const content = tora
      .map((t) => t.messages.at(-1)!.content)
      .filter((c) => c.includes("```output"))
      .slice(0, 2)
      .join("\n\n");
    const segments = toraSegments(content);
    segments.splice(2, 0, seg("h", "hint", "Wait, let me check with Python.\n```python\n", { hintId: "math-check" }));
    const { marks, total } = minimapLayout(segments, WAIT);
    const shown = segments.filter((s) => s.kind !== "prompt");
    expect(total).toBe(shown.reduce((n, s) => n + s.text.length, 0));
    const fences = shown.filter((s) => s.kind === "model").reduce((n, s) => n + (s.text.match(/^```python[ \t]*$/gm) ?? []).length, 0);
    expect(fences).toBe(2);
    expect(marks.filter((m) => m.kind === "code")).toHaveLength(fences);
    expect(marks.filter((m) => m.kind === "output").map((m) => m.segment)).toEqual(segments.flatMap((s, i) => (s.kind === "tool_output" ? [i] : [])));
    expect(marks.filter((m) => m.kind === "hint")).toEqual([{ kind: "hint", segment: 2, offset: 0, pos: segments[1]!.text.length, label: "math-check" }]);
    // Text order, and each position is the segment's start plus the offset.
    expect(marks.map((m) => m.pos)).toEqual([...marks.map((m) => m.pos)].sort((a, b) => a - b));
    for (const m of marks) {
      const before = segments.slice(0, m.segment).filter((s) => s.kind !== "prompt");
      expect(m.pos).toBe(before.reduce((n, s) => n + s.text.length, 0) + m.offset);
    }
  });

  it("marks the code a hint opens: the model text after a hint ending in ```python starts with a code block", () => {
    const segments = [seg("m1", "model", "Let me compute. "), seg("h", "hint", "Wait, with Python.\n```python\n", { hintId: "x" }), seg("m2", "model", "print(1)\n```\nDone.")];
    const { marks } = minimapLayout(segments, null);
    expect(marks.map((m) => [m.kind, m.segment, m.offset])).toEqual([
      ["hint", 1, 0],
      ["code", 2, 0],
    ]);
    // A hint without an opened fence opens no code.
    expect(minimapLayout([segments[0]!, seg("h", "hint", "Check again.\n", { hintId: "y" }), segments[2]!], null).marks.map((m) => m.kind)).toEqual(["hint"]);
  });

  it("does not mark a ```output fence or a fence in the middle of a line as code", () => {
    const text = "say ```python here\n```output\n1\n```\n```py\nx=1\n```\n";
    const at = text.indexOf("```py\n");
    expect(minimapLayout([seg("m", "model", text)], null).marks).toEqual([{ kind: "code", segment: 0, offset: at, pos: at, label: "python code" }]);
  });
});

describe("createMarkScanner while streaming", () => {
  it("gives the same marks streamed chunk by chunk as scanned at once, including a trigger split across chunks", () => {
    const { completion } = r1[1]!;
    const text = `${completion.slice(0, 6000)}\n\`\`\`python\nprint(1)\n\`\`\`\n${completion.slice(6000, 9000)}`;
    const once = minimapLayout([seg("m", "model", text)], WAIT);
    const scanner = createMarkScanner();
    let layout = scanner.scan([], WAIT);
    // Chunks of 3 characters: "Wait" is cut in two in many places.
    for (let i = 3; i < text.length + 3; i += 3) layout = scanner.scan([seg("m", "model", text.slice(0, i))], WAIT);
    expect(layout).toEqual(once);
  });

  it("keeps the marks array while no tick was added, and makes a new one when one is", () => {
    const scanner = createMarkScanner();
    const hint = seg("h", "hint", "Check.\n", { hintId: "x" });
    const a = scanner.scan([hint, seg("m", "model", "Some text")], WAIT);
    const b = scanner.scan([hint, seg("m", "model", "Some text that grows")], WAIT);
    expect(b.marks).toBe(a.marks);
    expect(b.total).toBe("Check.\n".length + "Some text that grows".length);
    const c = scanner.scan([hint, seg("m", "model", "Some text that grows. Wait, ")], WAIT);
    expect(c.marks).not.toBe(a.marks);
    expect(c.marks.map((m) => m.kind)).toEqual(["hint", "trigger"]);
  });

  it("scans afresh when a segment's text shrinks (a trigger cut at a pause) or the triggers change", () => {
    const scanner = createMarkScanner();
    const long = "One. Wait, two. Alternatively, three.";
    expect(scanner.scan([seg("m", "model", long)], WAIT).marks).toHaveLength(2);
    expect(scanner.scan([seg("m", "model", "One. Wait, two. ")], WAIT).marks.map((m) => m.label)).toEqual(["Wait"]);
    expect(scanner.scan([seg("m", "model", long)], triggerRegex(["three"])).marks.map((m) => m.label)).toEqual(["three"]);
  });

  it("rescans only the unsettled tail per chunk: a 160k-character trace costs about the same per chunk late as early", () => {
    const base = r1.map((t) => t.completion).join("\n\n");
    const text = base.repeat(Math.ceil(160_000 / base.length)).slice(0, 160_000);
    const scanner = createMarkScanner();
    // Count the characters the trigger regex is asked to look at, through a counting RegExp.
    let scanned = 0;
    const counting = new (class extends RegExp {
      exec(s: string) {
        const from = this.lastIndex;
        const m = super.exec(s);
        scanned += (m ? m.index + m[0].length : s.length) - from;
        return m;
      }
    })(WAIT!.source, "g");
    for (let i = 100; i <= text.length; i += 100) scanner.scan([seg("m", "model", text.slice(0, i))], counting);
    // Each 100-character chunk is looked at along with the settle margin, never the whole text.
    expect(scanned).toBeLessThan(text.length * 2);
    expect(scanner.scan([seg("m", "model", text)], counting).marks.length).toBe(minimapLayout([seg("m", "model", text)], WAIT).marks.length);
  });
});
