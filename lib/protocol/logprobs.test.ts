import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createScriptedLogprobs } from "../../e2e/fixtures/scripted-logprobs";
import {
  LOGPROB_FLOOR,
  LOGPROB_MAX_ERROR,
  logprobsFromBase64,
  logprobsToBase64,
  packLogprobs,
  unpackLogprobs,
  type TokenLogprob,
} from "./logprobs";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** Tokens of a real R1-distill trace with the scripted server's probabilities. */
function realTokens(limit = 2000): { text: string; tokens: TokenLogprob[] } {
  const line = readFileSync(path.join(ROOT, "e2e/fixtures/data/r1-distill-math-40.jsonl"), "utf8").split("\n")[0]!;
  const text = (JSON.parse(line) as { completion: string }).completion;
  const source = createScriptedLogprobs(7);
  const tokens: TokenLogprob[] = [];
  let start = 0;
  for (const t of source.next(text, 5).slice(0, limit)) {
    tokens.push({ start, ...t });
    start += t.text.length;
  }
  return { text, tokens };
}

function expectClose(actual: TokenLogprob[], expected: TokenLogprob[]) {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    expect({ start: a.start, text: a.text, top: a.top.map((t) => t.text) }).toEqual({ start: e.start, text: e.text, top: e.top.map((t) => t.text) });
    expect(Math.abs(a.logprob - e.logprob)).toBeLessThanOrEqual(LOGPROB_MAX_ERROR + 1e-12);
    a.top.forEach((t, k) => expect(Math.abs(t.logprob - e.top[k]!.logprob)).toBeLessThanOrEqual(LOGPROB_MAX_ERROR + 1e-12));
  });
}

describe("packLogprobs / unpackLogprobs", () => {
  it("round-trips a real trace's token stream within the stated error, offsets exact", () => {
    const { text, tokens } = realTokens();
    const back = unpackLogprobs(packLogprobs(tokens));
    expectClose(back, tokens);
    for (const t of back) {
      expect(text.slice(t.start, t.start + t.text.length)).toBe(t.text);
      expect(t.logprob).toBeLessThanOrEqual(0);
    }
  });

  it("keeps non-ASCII tokens, gaps, empty top and tokens missing from their own top", () => {
    const tokens: TokenLogprob[] = [
      { start: 0, text: "素数", logprob: -0.25, top: [{ text: "素数", logprob: -0.25 }, { text: "整数", logprob: -1.75 }] },
      { start: 2, text: " 😀", logprob: -3.5, top: [] },
      { start: 10, text: "é", logprob: -0.0001, top: [{ text: "e", logprob: -0.01 }, { text: "è", logprob: -5 }] },
      { start: 3, text: "", logprob: 0, top: [{ text: "\n", logprob: 0 }] },
    ];
    expectClose(unpackLogprobs(packLogprobs(tokens)), tokens);
  });

  it("represents byte-fallback tokens: the completing byte carries the character, alternatives are <0xNN>", () => {
    const tokens: TokenLogprob[] = [
      { start: 0, text: "", logprob: -0.5, top: [{ text: "<0xE2>", logprob: -0.5 }, { text: "<0xE3>", logprob: -1 }] },
      { start: 0, text: "", logprob: -0.1, top: [{ text: "<0x80>", logprob: -0.1 }] },
      { start: 0, text: "≤", logprob: -0.2, top: [{ text: "<0xA4>", logprob: -0.2 }] },
      { start: 1, text: " x", logprob: -0.01, top: [] },
    ];
    const back = unpackLogprobs(packLogprobs(tokens));
    expectClose(back, tokens);
    expect(back.map((t) => t.start)).toEqual([0, 0, 0, 1]);
  });

  it("clamps below the floor and above 0; -Infinity and NaN are stored", () => {
    const tokens: TokenLogprob[] = [
      { start: 0, text: "a", logprob: -Infinity, top: [{ text: "b", logprob: -9999 }, { text: "c", logprob: 1e-7 }] },
      { start: 1, text: "d", logprob: Number.NaN, top: [] },
    ];
    const back = unpackLogprobs(packLogprobs(tokens));
    expect(back[0]!.logprob).toBe(LOGPROB_FLOOR);
    expect(back[0]!.top.map((t) => t.logprob)).toEqual([LOGPROB_FLOOR, 0]);
    expect(back[1]!.logprob).toBe(0);
  });

  it("keeps later offsets right after a lone surrogate (stored as U+FFFD)", () => {
    const tokens: TokenLogprob[] = [
      { start: 0, text: "\ud83d", logprob: -1, top: [] },
      { start: 1, text: "x", logprob: -1, top: [] },
    ];
    expect(unpackLogprobs(packLogprobs(tokens))).toEqual([
      { start: 0, text: "\ufffd", logprob: -1, top: [] },
      { start: 1, text: "x", logprob: -1, top: [] },
    ]);
  });

  it("round-trips an empty segment", () => {
    expect(unpackLogprobs(packLogprobs([]))).toEqual([]);
  });

  it("stays compact: under 20 bytes per token with top-5 on a real trace", () => {
    const { tokens } = realTokens();
    expect(packLogprobs(tokens).length / tokens.length).toBeLessThan(20);
  });

  it("refuses an unknown version and truncated data with a clear error", () => {
    const packed = packLogprobs(realTokens(50).tokens);
    expect(() => unpackLogprobs(Uint8Array.of(9, ...packed.subarray(1)))).toThrow(/format version 9/);
    expect(() => unpackLogprobs(packed.subarray(0, packed.length - 3))).toThrow(/truncated or corrupt/);
    expect(() => unpackLogprobs(new Uint8Array())).toThrow(/truncated or corrupt/);
  });

  it("refuses more than 7 alternatives", () => {
    const top = Array.from({ length: 8 }, (_, i) => ({ text: String(i), logprob: -i }));
    expect(() => packLogprobs([{ start: 0, text: "0", logprob: 0, top }])).toThrow(/at most 7/);
  });
});

describe("logprobsToBase64 / logprobsFromBase64", () => {
  it("round-trips every byte value and a large blob", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(logprobsFromBase64(logprobsToBase64(all))).toEqual(all);
    const packed = packLogprobs(realTokens(5000).tokens);
    expect(logprobsToBase64(packed)).toBe(Buffer.from(packed).toString("base64"));
    expect(logprobsFromBase64(logprobsToBase64(packed))).toEqual(packed);
  });
});
