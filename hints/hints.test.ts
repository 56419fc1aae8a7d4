import { describe, expect, it } from "vitest";
import { BUDGET_DEFAULT_WORD, BUDGET_HINT_ID } from "@/lib/protocol";
import { BUILTIN_HINTS, fillHint, hintsForProblem, parseHintFile } from "./index";

describe("Hint-Library", () => {
  it("ships the paper's hints, each starting with a connective and ending in an opened python fence", () => {
    const ids = BUILTIN_HINTS.map((h) => h.id);
    for (const id of ["math-complex-calculations", "math-self-reflection", "math-check-logic", "math-alternative-method", "math-general", "math-deeper-think", "code-debug-stdin", "code-debug-functional"]) {
      expect(ids).toContain(id);
    }
    for (const h of BUILTIN_HINTS.filter((x) => x.purpose !== "budget")) {
      expect(h.text).toMatch(/^(Wait|Alternatively), /);
      expect(h.text.endsWith("```python\n")).toBe(true);
      expect(h.builtIn).toBe(true);
    }
  });
  it("filters by problem kind and test style, and fills {testcase} from the sample tests", () => {
    const code = { kind: "code" as const, tests: [{ input: "3\n1 2 3\n", output: "6\n", type: "stdin" as const }] };
    const hints = hintsForProblem(BUILTIN_HINTS, code);
    expect(hints.map((h) => h.id)).toEqual(["code-debug-stdin"]);
    const text = fillHint(hints[0]!.text, code);
    expect(text).toContain("Test case 1:\nInput:\n3\n1 2 3\nExpected output:\n6");
    expect(text).not.toContain("{testcase}");
    expect(hintsForProblem(BUILTIN_HINTS, { kind: "code", starterCode: "class Solution: ..." }).map((h) => h.id)).toEqual(["code-debug-functional"]);
    expect(hintsForProblem(BUILTIN_HINTS, { kind: "math" }).every((h) => h.kinds.includes("math"))).toBe(true);
  });
  it("rejects invalid hint files with the field that is wrong", () => {
    expect(() => parseHintFile({ version: "1", hints: [{ id: "x", kinds: ["math"], title: "t", text: "Wait, no fence" }] }, "f.json")).toThrow(
      /invalid hint file f.json: hints.0.text: hint text must end with an opened ```python fence/,
    );
    expect(() => parseHintFile({ version: "1", hints: [{ id: "Bad Id", kinds: [], title: "", text: "```python\n" }] }, "f.json")).toThrow(/hints.0.id/);
    const dup = { id: "a", kinds: ["math"], title: "t", text: "Wait, x\n```python\n" };
    expect(() => parseHintFile({ version: "1", hints: [dup, dup] }, "f.json")).toThrow(/duplicate hint id "a"/);
  });
  it("holds the bare budget-forcing word under BUDGET_HINT_ID, which the paper policy and the picker never draw", () => {
    const wait = BUILTIN_HINTS.find((h) => h.id === BUDGET_HINT_ID);
    expect(wait).toMatchObject({ text: BUDGET_DEFAULT_WORD, purpose: "budget", builtIn: true });
    for (const kind of ["math", "code", "free"] as const) {
      expect(hintsForProblem(BUILTIN_HINTS, { kind }).map((h) => h.id)).not.toContain(BUDGET_HINT_ID);
    }
  });
  it("validates budget hints as one short line and tool hints still by their fence", () => {
    const base = { id: "b", kinds: ["math"], title: "t" };
    expect(parseHintFile({ version: "1", hints: [{ ...base, purpose: "budget", text: "Hmm" }] }, "f.json").hints[0]!.text).toBe("Hmm");
    expect(() => parseHintFile({ version: "1", hints: [{ ...base, purpose: "budget", text: "Wait\nmore" }] }, "f.json")).toThrow(/hints.0.text: a budget hint is one word or short phrase/);
    expect(() => parseHintFile({ version: "1", hints: [{ ...base, purpose: "tool", text: "Wait" }] }, "f.json")).toThrow(/opened ```python fence/);
    expect(() => parseHintFile({ version: "1", hints: [{ ...base, purpose: "nudge", text: "Wait" }] }, "f.json")).toThrow(/hints.0.purpose/);
  });
});
