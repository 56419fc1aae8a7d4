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

  it("finds the right text past escapes, strings full of digits and quotes, repeated keys, __proto__", () => {
    const text = String.raw`{"a\"1": "q\"uote 12 \\", "k\u0031": 1.50, "s": "\\\\\"3", "dup": 1e400, "dup": {"n": 2.0}, "__proto__": {"x": 7E1}, "arr": [[0.10], {"y": -0}]}`;
    const { value, numberText } = parseJsonWithNumberText(text);
    const v = value as Record<string, { n: number; x: number } & unknown[]>;
    expect(value).toEqual(JSON.parse(text));
    expect(numberText(v, "k1")).toBe("1.50");
    expect(numberText(v, "dup")).toBeUndefined(); // the kept "dup" is an object
    expect(numberText(v.dup, "n")).toBe("2.0");
    expect(numberText(v["__proto__"], "x")).toBe("7E1");
    expect(numberText(v.arr![0], 0)).toBe("0.10");
    expect(numberText(v.arr![1], "y")).toBe("-0");
    const later = parseJsonWithNumberText('{"k": 1e400, "k": 5}');
    expect(later.numberText(later.value, "k")).toBe("5");
  });

  it("on the real fixtures, every number gets its own text back (each one rewritten as x.000…)", () => {
    let lines = 0;
    let numbers = 0;
    for (const file of FIXTURES) {
      let text: string;
      try {
        text = readFileSync(path.join(ROOT, file), "utf8");
      } catch {
        continue; // ../shared is not in every checkout
      }
      for (const line of text.split("\n").filter(Boolean)) {
        // Give every number of the record a text JS would not print (3 -> 3.0004), at its own place.
        let k = 0;
        const written: string[] = [];
        const mark = (v: unknown): unknown => {
          if (typeof v === "number") {
            const t = `${v}${Number.isInteger(v) ? ".000" : "000"}${k++ % 7}`;
            written.push(t);
            return t;
          }
          if (Array.isArray(v)) return v.map(mark);
          if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([key, x]) => [key, mark(x)]));
          return v;
        };
        const record = mark(JSON.parse(line));
        let n = 0;
        // Each number as a placeholder string, then the placeholder replaced by its text (as a JSON number).
        const json = JSON.stringify(record, (_key, v: unknown) => (typeof v === "string" && written[n] === v ? `@@${n++}@@` : v)).replace(/"@@(\d+)@@"/g, (_m, i: string) => written[Number(i)]!);
        const { value, numberText } = parseJsonWithNumberText(json);
        const found: string[] = [];
        const walk = (v: unknown) => {
          if (!v || typeof v !== "object") return;
          for (const [key, x] of Object.entries(v)) {
            if (typeof x === "number") found.push(numberText(v, key)!);
            else walk(x);
          }
        };
        walk(value);
        expect(found).toEqual(written);
        numbers += written.length;
        lines++;
      }
    }
    expect(lines).toBeGreaterThanOrEqual(70);
    expect(numbers).toBeGreaterThan(100);
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
