import { describe, expect, it } from "vitest";
import { compareValues, nextSort, sortRows, type SortState } from "./sort";

type Row = { policy: string; pass1: number | null; n: number };
const rows: Row[] = [
  { policy: "paper:rounds=10", pass1: 0.5, n: 4 },
  { policy: "greedy", pass1: null, n: 0 },
  { policy: "paper:rounds=2", pass1: 0.75, n: 4 },
  { policy: "budget:min=100", pass1: 0.5, n: 2 },
];
const value = (r: Row, k: keyof Row) => r[k];
const order = (s: SortState<keyof Row> | null) => sortRows(rows, s, value).map((r) => r.policy);

describe("sortRows", () => {
  it("no sort keeps the table's order (a copy, the input untouched)", () => {
    const out = sortRows(rows, null, value);
    expect(out).toEqual(rows);
    expect(out).not.toBe(rows);
  });

  it("numbers ascending and descending, missing values last both ways, ties in table order", () => {
    expect(order({ key: "pass1", dir: "ascending" })).toEqual(["paper:rounds=10", "budget:min=100", "paper:rounds=2", "greedy"]);
    expect(order({ key: "pass1", dir: "descending" })).toEqual(["paper:rounds=2", "paper:rounds=10", "budget:min=100", "greedy"]);
  });

  it("strings read numbers inside as numbers: rounds=2 before rounds=10", () => {
    expect(order({ key: "policy", dir: "ascending" })).toEqual(["budget:min=100", "greedy", "paper:rounds=2", "paper:rounds=10"]);
    expect(order({ key: "policy", dir: "descending" })).toEqual(["paper:rounds=10", "paper:rounds=2", "greedy", "budget:min=100"]);
  });
});

describe("compareValues", () => {
  it("NaN, null and undefined are all missing and equal to each other", () => {
    expect(compareValues(null, undefined, "ascending")).toBe(0);
    expect(compareValues(Number.NaN, 1, "descending")).toBe(1);
    expect(compareValues(1, null, "descending")).toBe(-1);
  });
});

describe("nextSort", () => {
  it("a new column sorts ascending, the same column flips", () => {
    const a = nextSort(null, "n");
    expect(a).toEqual({ key: "n", dir: "ascending" });
    const b = nextSort(a, "n");
    expect(b).toEqual({ key: "n", dir: "descending" });
    expect(nextSort(b, "n")).toEqual({ key: "n", dir: "ascending" });
    expect(nextSort(b, "pass1")).toEqual({ key: "pass1", dir: "ascending" });
  });
});
