import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { extractLastBoxed, extractMathAnswer, simpleMathEqual } from "./index";

describe("answer extraction", () => {
  it("takes the last boxed answer with nested braces", () => {
    expect(extractLastBoxed("first \\boxed{1} then \\boxed{\\frac{1}{2}}")).toBe("\\frac{1}{2}");
    expect(extractLastBoxed("\\boxed{\\left(3, \\frac{\\pi}{2}\\right)}")).toBe("\\left(3, \\frac{\\pi}{2}\\right)");
    expect(extractLastBoxed("no answer")).toBeUndefined();
    expect(extractMathAnswer("So the answer is $42$.")).toBe("42");
  });
  it("marks the real fixture traces the way their labels say", () => {
    const file = path.resolve(import.meta.dirname, "../../../shared/fixtures/traces/r1-distill-math-40.jsonl");
    let lines: string[];
    try {
      lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
    } catch {
      lines = readFileSync(path.resolve(import.meta.dirname, "../../e2e/fixtures/data/r1-distill-math-40.jsonl"), "utf8").split("\n").filter(Boolean);
    }
    let agree = 0;
    for (const l of lines) {
      const t = JSON.parse(l) as { completion: string; gold_answer: string; is_correct: boolean };
      const ans = extractMathAnswer(t.completion.split("</think>").at(-1)!) ?? "";
      if (simpleMathEqual(ans, t.gold_answer) === t.is_correct) agree++;
    }
    expect(agree).toBe(lines.length);
  });
  it("compares normalised forms", () => {
    expect(simpleMathEqual("27.0", "27")).toBe(true);
    expect(simpleMathEqual("7,425,000", "7425000")).toBe(true);
    expect(simpleMathEqual("\\dfrac{1}{2}", "0.5")).toBe(true);
    expect(simpleMathEqual("-\\frac{1} { 4027}", "-\\frac{1}{4027}")).toBe(true);
    expect(simpleMathEqual("x = 5", "5")).toBe(true);
    expect(simpleMathEqual("6", "5")).toBe(false);
  });
});
