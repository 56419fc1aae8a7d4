import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseJsonWithNumberText } from "./json-text";

const ROOT = path.resolve(import.meta.dirname, "../..");
const FIXTURES = [
  "e2e/fixtures/data/r1-distill-math-40.jsonl",
  "e2e/fixtures/data/tora-tir-math-30.jsonl",
  "../shared/fixtures/datasets/aime24.jsonl",
  "../shared/fixtures/datasets/amc23.jsonl",
  "../shared/fixtures/datasets/livecodebench-sample-24.jsonl",
];

describe("parseJsonWithNumberText", () => {
  it("keeps numbers as written, beyond what a double holds", () => {
    const line = '{"problem": "p", "answer": 12345678901234567891, "d": 0.1000000000000000055511151231257827, "big": 1e400, "neg": -0.0, "list": [1, 2.50, {"x": 1E+3}]}';
    const { value, numberText } = parseJsonWithNumberText(line);
    const v = value as { answer: number; list: [number, number, { x: number }] };
    expect(v.answer).toBe(12345678901234567000); // the value is JSON.parse's…
    expect(numberText(v, "answer")).toBe("12345678901234567891"); // …the text is the file's
    expect(numberText(v, "d")).toBe("0.1000000000000000055511151231257827");
    expect(numberText(v, "big")).toBe("1e400");
    expect(numberText(v, "neg")).toBe("-0.0");
    expect(numberText(v.list, 1)).toBe("2.50");
    expect(numberText(v.list[2], "x")).toBe("1E+3");
    expect(numberText(v, "problem")).toBeUndefined();
    expect(numberText(v, "missing")).toBeUndefined();
  });

  it("gives the same value as JSON.parse: escapes, a repeated key, __proto__, nesting", () => {
    for (const text of [
      String.raw`{"a": "q\"uote \\ back\\", "b": "\u00e9\n\t", "c": "", "d": "\\"}`,
      '{"k": 1, "k": {"n": 2}}',
      '{"k": {"n": 2}, "k": 3.0}',
      '{"__proto__": {"polluted": 1}, "x": [true, false, null, [], {}]}',
      ' [ 1 , -2e-5 , "x" ] ',
      '"just a string"',
      "42",
      JSON.stringify({ s: "a\\".repeat(1000) + '"', t: "no escapes here", n: [0, 1.5, -3] }),
    ]) {
      const { value } = parseJsonWithNumberText(text);
      expect(value).toEqual(JSON.parse(text));
      expect(Object.getPrototypeOf(value)).toBe(Object.getPrototypeOf(JSON.parse(text)));
    }
    const repeated = parseJsonWithNumberText('{"k": 1, "k": "text"}');
    expect(repeated.numberText(repeated.value, "k")).toBeUndefined();
    expect({} as Record<string, unknown>).not.toHaveProperty("polluted");
  });

  it("parses every line of the real fixtures exactly as JSON.parse does", () => {
    let lines = 0;
    for (const file of FIXTURES) {
      let text: string;
      try {
        text = readFileSync(path.join(ROOT, file), "utf8");
      } catch {
        continue; // ../shared is not in every checkout
      }
      for (const line of text.split("\n").filter(Boolean)) {
        expect(parseJsonWithNumberText(line).value).toEqual(JSON.parse(line));
        lines++;
      }
    }
    expect(lines).toBeGreaterThanOrEqual(70);
  });

  it("refuses what JSON.parse refuses, with its message", () => {
    for (const bad of ['{"a": 01}', '{"a": 1,}', "{'a': 1}", "", '{"a": "x"} trailing']) {
      let expected = "";
      try {
        JSON.parse(bad);
      } catch (e) {
        expected = (e as Error).message;
      }
      expect(() => parseJsonWithNumberText(bad)).toThrow(expected);
    }
  });
});
