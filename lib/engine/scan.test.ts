import { describe, expect, it } from "vitest";
import { compileTriggers, scanNext, type ScanMode } from "./scan";

const mode = (over: Partial<ScanMode> = {}): ScanMode => ({
  inCode: false,
  triggers: compileTriggers(["Wait", "Alternatively", "But wait"]),
  marker: "</think>",
  ...over,
});

describe("scanNext", () => {
  it("holds back a possible trigger prefix at the end of a chunk", () => {
    expect(scanNext("", "ok. Wai", 0, mode(), false)).toEqual({ safe: 4 });
    expect(scanNext("", "ok. Wait", 0, mode(), false)).toEqual({ safe: 4 });
    expect(scanNext("", "ok. Wait,", 0, mode(), false).hit).toMatchObject({ kind: "trigger", index: 4, word: "Wait" });
  });
  it("holds back a partial end-of-thinking marker", () => {
    expect(scanNext("", "done.\n</thi", 0, mode(), false)).toEqual({ safe: 6 });
    expect(scanNext("", "done.\n</think>", 0, mode(), false).hit).toMatchObject({ kind: "marker", index: 6 });
  });
  it("respects the word boundary before the trigger using the previous chunk's last char", () => {
    expect(scanNext("a", "Wait, no", 0, mode(), false).hit).toBeUndefined();
    expect(scanNext(" ", "Wait, no", 0, mode(), false).hit).toMatchObject({ index: 0 });
  });
  it("finds multi-word triggers", () => {
    expect(scanNext("", "Yes. But wait, x", 0, mode(), false).hit).toMatchObject({ word: "But wait", index: 5 });
  });
  it("in code: a fence at line start closes the block; backticks split across chunks are held", () => {
    const code = mode({ inCode: true });
    expect(scanNext("\n", "print(1)\n``", 0, code, false)).toEqual({ safe: 9 });
    expect(scanNext("\n", "print(1)\n```\nmore", 0, code, false).hit).toEqual({ kind: "code-close", index: 9, end: 13, selfOutput: false });
    expect(scanNext("\n", "x = '```'\n", 0, code, false).hit).toBeUndefined();
    expect(scanNext("\n", "Wait = 1\n", 0, code, false).hit).toBeUndefined();
  });
  it("outside code: a python fence opens a block only once its line is complete", () => {
    expect(scanNext("\n", "```pyth", 0, mode(), false)).toEqual({ safe: 0 });
    expect(scanNext("\n", "```python\nx", 0, mode(), false).hit).toEqual({ kind: "code-open", index: 0, end: 10 });
    expect(scanNext("\n", "```latex\nx\n```\n", 0, mode(), false).hit).toBeUndefined();
  });
});
