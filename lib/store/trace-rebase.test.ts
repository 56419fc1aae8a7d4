import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Edit, Trace } from "@/lib/protocol";
import { rebaseChange, tagChange, tagsAfter, type TraceChange } from "./trace-rebase";
import { testTraceConfig } from "@/lib/protocol/__fixtures__/trace-config";

// A real R1-distill completion (the e2e fixture the scripted server streams) as the model text.
const row = JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../../e2e/fixtures/data/r1-distill-math-40.jsonl"), "utf8").split("\n")[0]!) as {
  prompt: string;
  completion: string;
};
const MODEL = row.completion;

const trace = (over: Partial<Trace> = {}): Trace => ({
  id: "t1",
  problem: { id: "p", kind: "math", statement: "q" },
  config: testTraceConfig({ provider: "scripted", template: "deepseek-r1", sampling: { maxTokens: 100 }, maxToolCalls: 0, maxOutputChars: 100 }),
  segments: [
    { id: "s0", kind: "prompt", text: row.prompt },
    { id: "s1", kind: "model", text: MODEL },
  ],
  events: [],
  status: "finished",
  version: 3,
  createdAt: 0,
  updatedAt: 0,
  ...over,
});
const edit = (start: number, end: number, replacement: string, author = "bob"): Edit => ({
  id: `e-${start}-${end}`,
  segment: 1,
  start,
  end,
  original: MODEL.slice(start, end),
  replacement,
  author,
  createdAt: 1,
});
const myEdit = (start: number, end: number, replacement = "a clearer sentence"): TraceChange => ({
  kind: "edit",
  edit: { segment: 1, start, end, replacement },
  original: MODEL.slice(start, end),
});

describe("rebaseChange: edits", () => {
  const base = trace();
  it("applies unchanged when the other write touched something else", () => {
    const fresh = trace({ version: 4, annotations: [{ id: "a", segment: 1, start: 0, end: 5, label: "x", comment: "", author: "bob", createdAt: 1 }] });
    expect(rebaseChange(myEdit(25, 45), base, fresh)).toEqual({ outcome: "applies", change: myEdit(25, 45) });
  });
  it("conflicts, showing their edit, when someone edited an overlapping span", () => {
    const theirs = edit(30, 60, "their wording");
    const r = rebaseChange(myEdit(25, 45), base, trace({ version: 4, edits: [theirs] }));
    expect(r).toMatchObject({ outcome: "conflict", canKeepMine: true, theirs: { kind: "edits", edits: [theirs] } });
    expect(r.outcome === "conflict" && r.reason).toMatch(/bob edited this text/);
  });
  it("applies next to an edit that does not overlap (touching ends are not an overlap)", () => {
    expect(rebaseChange(myEdit(25, 45), base, trace({ version: 4, edits: [edit(45, 60, "x")] })).outcome).toBe("applies");
  });
  it("is done when the fresh version already has the same edit", () => {
    expect(rebaseChange(myEdit(25, 45), base, trace({ version: 4, edits: [edit(25, 45, "a clearer sentence")] })).outcome).toBe("done");
  });
  it("follows its text when the segment changed before it, and conflicts when the text is gone", () => {
    const moved = trace({ version: 4, segments: [base.segments[0]!, { id: "s1", kind: "model", text: `Okay. ${MODEL}` }] });
    expect(rebaseChange(myEdit(25, 45), base, moved)).toEqual({ outcome: "applies", change: { ...myEdit(25, 45), edit: { segment: 1, start: 31, end: 51, replacement: "a clearer sentence" } } });
    const gone = trace({ version: 4, segments: [base.segments[0]!, { id: "s1", kind: "model", text: "entirely different model text" }] });
    expect(rebaseChange(myEdit(25, 45), base, gone)).toMatchObject({ outcome: "conflict", canKeepMine: false, theirs: { kind: "text", current: "text" } });
  });
});

describe("rebaseChange: review, tags, marks, removals", () => {
  const mine: TraceChange = { kind: "review", status: "accepted", note: "clean derivation" };
  it("re-applies a review when the review itself was not changed meanwhile", () => {
    const base = trace({ review: { status: "needs-work", note: "check step 3", author: "carol" } });
    expect(rebaseChange(mine, base, { ...base, version: 4, tags: ["x"] })).toEqual({ outcome: "applies", change: mine });
  });
  it("shows both when someone else reviewed meanwhile, and is done when they chose the same", () => {
    const base = trace();
    const fresh = trace({ version: 4, review: { status: "rejected", note: "wrong answer", author: "bob" } });
    expect(rebaseChange(mine, base, fresh)).toMatchObject({ outcome: "conflict", canKeepMine: true, theirs: { kind: "review", review: { status: "rejected", note: "wrong answer" } } });
    expect(rebaseChange(mine, base, trace({ version: 4, review: { status: "accepted", note: "clean derivation", author: "bob" } })).outcome).toBe("done");
  });
  it("merges tag additions and removals with someone else's", () => {
    const change = { kind: "tags" as const, ...tagChange(["odd", "long"], ["odd", "gold"]) };
    expect(change).toMatchObject({ add: ["gold"], remove: ["long"] });
    const fresh = trace({ version: 4, tags: ["odd", "long", "bob-tag"] });
    expect(rebaseChange(change, trace({ tags: ["odd", "long"] }), fresh).outcome).toBe("applies");
    expect(tagsAfter(fresh, change)).toEqual(["odd", "bob-tag", "gold"]);
    expect(rebaseChange(change, trace({ tags: ["odd", "long"] }), trace({ version: 4, tags: ["gold", "odd"] })).outcome).toBe("done");
  });
  it("moves a mark with its text, is done when the same mark exists, and removals of gone items are done", () => {
    const a: TraceChange = { kind: "annotation", annotation: { segment: 1, start: 0, end: 20, label: "repetitive", comment: "restates" }, text: MODEL.slice(0, 20) };
    const moved = trace({ version: 4, segments: [trace().segments[0]!, { id: "s1", kind: "model", text: `So. ${MODEL}` }] });
    expect(rebaseChange(a, trace(), moved)).toMatchObject({ outcome: "applies", change: { annotation: { start: 4, end: 24, comment: "restates" } } });
    const same = trace({ version: 4, annotations: [{ id: "x", segment: 1, start: 0, end: 20, label: "repetitive", comment: "restates", author: "bob", createdAt: 1 }] });
    expect(rebaseChange(a, trace(), same).outcome).toBe("done");
    expect(rebaseChange({ kind: "remove-edit", id: "e-1" }, trace(), trace({ version: 4 })).outcome).toBe("done");
    expect(rebaseChange({ kind: "remove-annotation", id: "x" }, trace(), same).outcome).toBe("applies");
  });
});
