import { describe, expect, it } from "vitest";
import type { Annotation, AssignmentWork, Edit } from "@/lib/protocol";
import { evenSplit, requiredPerItem } from "./assign";
import { cohenKappa, fleissKappa, queueAgreement, spanOverlap, f1 } from "./agreement";
import { adjudicate, automaticFinal, worksAgree, type DoneWork } from "./final";

const mark = (segment: number, start: number, end: number, label: string, id = `${segment}-${start}-${end}-${label}`): Annotation => ({ id, segment, start, end, label, comment: "", author: "x", createdAt: 1 });
const edit = (id: string, segment: number, start: number, end: number, replacement: string, author = "x"): Edit => ({ id, segment, start, end, original: "o".repeat(end - start), replacement, author, createdAt: 1 });
const work = (review: AssignmentWork["review"], edits: Edit[] = [], annotations: Annotation[] = [], note?: string): AssignmentWork => ({ review, edits, annotations, ...(note ? { note } : {}) });
const done = (annotator: string, w: AssignmentWork, doneAt = 1): DoneWork => ({ annotator, work: w, doneAt });

describe("assignment", () => {
  it("gives the overlap to round(share × n) items, the same ones for the same seed", () => {
    const r = requiredPerItem(10, 2, 0.2, 7);
    expect(r.filter((x) => x === 2)).toHaveLength(2);
    expect(r.filter((x) => x === 1)).toHaveLength(8);
    expect(requiredPerItem(10, 2, 0.2, 7)).toEqual(r);
    expect(requiredPerItem(10, 2, 0.5, 1).filter((x) => x === 2)).toHaveLength(5);
    expect(requiredPerItem(3, 3, 1, 0)).toEqual([3, 3, 3]);
    expect(requiredPerItem(5, 2, 0, 0)).toEqual([1, 1, 1, 1, 1]);
    // Another seed picks other items (for these sizes, at least one differs).
    const seeds = [1, 2, 3, 4, 5].map((s) => requiredPerItem(20, 2, 0.25, s).join(""));
    expect(new Set(seeds).size).toBeGreaterThan(1);
  });

  it("splits evenly: loads differ by at most one, overlapping items get distinct annotators", () => {
    const required = requiredPerItem(11, 2, 0.3, 3);
    const split = evenSplit(required, ["ann", "bob", "cy"]);
    split.forEach((names, i) => {
      expect(names).toHaveLength(required[i]!);
      expect(new Set(names).size).toBe(names.length);
    });
    const loads = ["ann", "bob", "cy"].map((a) => split.filter((n) => n.includes(a)).length);
    expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
    expect(loads.reduce((a, b) => a + b)).toBe(required.reduce((a, b) => a + b));
    // Round robin for single items.
    expect(evenSplit([1, 1, 1, 1], ["a", "b"])).toEqual([["a"], ["b"], ["a"], ["b"]]);
    expect(() => evenSplit([3], ["a", "b"])).toThrow(/needs 3 annotators/);
  });
});

describe("agreement", () => {
  it("Cohen's kappa matches a hand-computed table", () => {
    // yes/yes 20, yes/no 5, no/yes 10, no/no 15: po = 0.7, pe = 0.5·0.6 + 0.5·0.4 = 0.5, κ = 0.4.
    const pairs = [
      ...Array<[string, string]>(20).fill(["yes", "yes"]),
      ...Array<[string, string]>(5).fill(["yes", "no"]),
      ...Array<[string, string]>(10).fill(["no", "yes"]),
      ...Array<[string, string]>(15).fill(["no", "no"]),
    ];
    const k = cohenKappa(pairs);
    expect(k.observed).toBeCloseTo(0.7, 12);
    expect(k.value).toBeCloseTo(0.4, 12);
    expect(cohenKappa([["a", "a"], ["a", "a"]])).toEqual({ value: null, observed: 1 });
    expect(cohenKappa([["a", "b"], ["b", "a"]]).value).toBeCloseTo(-1, 12);
  });

  it("Fleiss' kappa matches a hand-computed table", () => {
    // P = (1 + 1/3 + 1)/3 = 7/9; p(a) = 5/9, p(b) = 4/9, Pe = 41/81; κ = (7/9 − 41/81)/(40/81) = 0.55.
    const k = fleissKappa([["a", "a", "a"], ["a", "a", "b"], ["b", "b", "b"]]);
    expect(k.observed).toBeCloseTo(7 / 9, 12);
    expect(k.value).toBeCloseTo(0.55, 12);
    expect(() => fleissKappa([["a", "a"], ["a", "a", "b"]])).toThrow(/same number/);
  });

  it("span F1 counts overlapping characters per label", () => {
    const c = spanOverlap([mark(1, 0, 10, "wrong")], [mark(1, 5, 15, "wrong"), mark(1, 0, 30, "other")], "wrong");
    expect(c).toEqual({ both: 5, a: 10, b: 10 });
    expect(f1(c)).toBe(0.5);
    // Same offsets in different segments do not overlap; overlapping marks of one annotator count once.
    expect(spanOverlap([mark(1, 0, 4, "w"), mark(1, 2, 6, "w")], [mark(2, 0, 6, "w")], "w")).toEqual({ both: 0, a: 6, b: 6 });
    expect(f1({ both: 0, a: 0, b: 0 })).toBeNull();
  });

  it("uses Cohen's kappa for one fixed pair and Fleiss' otherwise; pools span F1 per label", () => {
    const item = (a: [string, string], b: [string, string], am: Annotation[] = [], bm: Annotation[] = []) => ({
      raters: [
        { annotator: a[0], review: a[1] as "accepted", annotations: am },
        { annotator: b[0], review: b[1] as "accepted", annotations: bm },
      ],
    });
    const pair = queueAgreement(
      [item(["ann", "accepted"], ["bob", "accepted"], [mark(0, 0, 10, "wrong")], [mark(0, 0, 10, "wrong")]), item(["bob", "rejected"], ["ann", "accepted"], [mark(0, 0, 4, "wrong")], [])],
      ["wrong", "unclear"],
    );
    expect(pair.kappa.kind).toBe("cohen");
    // ann: accepted, accepted; bob: accepted, rejected → po = 1/2, pe = 1·1/2 = 1/2 → κ = 0.
    expect(pair.kappa.value).toBeCloseTo(0, 12);
    expect(pair.spans).toEqual([
      { label: "wrong", f1: (2 * 10) / (10 + 10 + 4), chars: 24 },
      { label: "unclear", f1: null, chars: 0 },
    ]);
    const changing = queueAgreement([item(["ann", "accepted"], ["bob", "accepted"]), item(["ann", "rejected"], ["cy", "rejected"])], []);
    expect(changing.kappa.kind).toBe("fleiss");
    expect(changing.items).toBe(2);
  });
});

describe("final version and adjudication", () => {
  it("takes a single annotator's work, or agreeing annotators' with their marks combined", () => {
    const one = automaticFinal(1, [done("ann", work("accepted", [edit("e1", 2, 0, 3, "fix")]))], 5);
    expect(one).toMatchObject({ review: "accepted", how: "single", from: ["ann"], edits: [{ id: "e1" }] });
    const agreed = automaticFinal(
      2,
      [done("ann", work("rejected", [edit("e1", 2, 0, 3, "fix")], [mark(2, 0, 3, "w", "m1")]), 1), done("bob", work("rejected", [edit("e2", 2, 0, 3, "fix")], [mark(2, 0, 3, "w", "m2"), mark(2, 4, 6, "w", "m3")]), 2)],
      5,
    );
    expect(agreed).toMatchObject({ review: "rejected", how: "agreed", from: ["ann", "bob"] });
    expect(agreed!.annotations.map((a) => a.id)).toEqual(["m1", "m3"]);
    expect(automaticFinal(2, [done("ann", work("accepted"))], 5)).toBeUndefined();
  });

  it("finds a disagreement in the decision or in the edits", () => {
    expect(worksAgree([done("a", work("accepted")), done("b", work("rejected"))])).toBe(false);
    expect(worksAgree([done("a", work("accepted", [edit("1", 0, 0, 2, "x")])), done("b", work("accepted", [edit("2", 0, 0, 2, "y")]))])).toBe(false);
    expect(worksAgree([done("a", work("accepted", [edit("1", 0, 0, 2, "x")])), done("b", work("accepted", [edit("2", 0, 0, 2, "x")]))])).toBe(true);
    expect(automaticFinal(2, [done("a", work("accepted")), done("b", work("rejected"))], 1)).toBeUndefined();
  });

  it("chooses one annotator's version or merges chosen edits and marks", () => {
    const works = [
      done("ann", work("accepted", [edit("ea", 1, 0, 5, "A fix", "ann"), edit("ea2", 3, 0, 2, "A2", "ann")], [mark(1, 0, 5, "w", "ma")], "fine")),
      done("bob", work("needs-work", [edit("eb", 1, 3, 8, "B fix", "bob"), edit("eb2", 4, 0, 1, "B2", "bob")], [mark(1, 2, 9, "w", "mb")])),
    ];
    const chosen = adjudicate(works, { choose: "bob" }, "rita", 9);
    expect(chosen).toMatchObject({ review: "needs-work", how: "adjudicated", from: ["bob"], by: "rita", at: 9 });
    expect(chosen.edits.map((e) => e.id)).toEqual(["eb", "eb2"]);
    const merged = adjudicate(works, { merge: { review: "accepted", edits: ["ea", "eb2"], annotations: ["mb"] } }, "rita", 9);
    expect(merged.edits.map((e) => [e.id, e.author])).toEqual([["ea", "ann"], ["eb2", "bob"]]);
    expect(merged.annotations.map((a) => a.id)).toEqual(["mb"]);
    expect(merged.from.sort()).toEqual(["ann", "bob"]);
    expect(() => adjudicate(works, { merge: { review: "accepted", edits: ["ea", "eb"], annotations: [] } }, "rita", 9)).toThrow(/overlap/);
    expect(() => adjudicate(works, { merge: { review: "accepted", edits: ["nope"], annotations: [] } }, "rita", 9)).toThrow(/not one of this item's edits/);
    expect(() => adjudicate(works, { choose: "zed" }, "rita", 9)).toThrow(/zed has no review/);
  });
});
