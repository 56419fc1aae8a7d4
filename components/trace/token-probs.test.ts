import { describe, expect, it } from "vitest";
import type { TokenLogprob } from "./logprob-types";
import { triggerRegex } from "./highlight";
import { alternativesOf, candidatePoints, formatProb, isCandidatePoint, probBin, tokenAt, tokenRange, topEntropy, triggerProbabilities } from "./token-probs";

const L = Math.log;
const tok = (start: number, text: string, p: number, top: [string, number][]): TokenLogprob => ({ start, text, logprob: L(p), top: top.map(([t, q]) => ({ text: t, logprob: L(q) })) });

// "So Wait, yes" tokenised as "So" " Wait" "," " yes".
const tokens = [
  tok(0, "So", 0.5, [["So", 0.5], ["Then", 0.25], ["Now", 0.25]]),
  tok(2, " Wait", 0.4, [[" Wait", 0.4], [" But", 0.3], [" Hmm", 0.2]]),
  tok(7, ",", 0.9, [[",", 0.9], [".", 0.05]]),
  // Sampled at temperature: the chosen token is not among the top candidates.
  tok(8, " yes", 0.1, [[" no", 0.3], [" maybe", 0.3], [" so", 0.2]]),
];

describe("top-k entropy and candidate injection points", () => {
  it("matches hand-computed entropies (nats, renormalised over the candidates)", () => {
    // q = 1/2, 1/4, 1/4: ½·ln2 + ½·ln4 = 1.03972
    expect(topEntropy(tokens[0]!)).toBeCloseTo(1.03972, 4);
    // q = 4/9, 3/9, 2/9: 0.36041 + 0.36620 + 0.33424 = 1.06085
    expect(topEntropy(tokens[1]!)).toBeCloseTo(1.06085, 4);
    // q = 0.9/0.95, 0.05/0.95: 0.05122 + 0.15497 = 0.20619
    expect(topEntropy(tokens[2]!)).toBeCloseTo(0.20619, 4);
    // the chosen token counts too: q = 1/9, 3/9, 3/9, 2/9 → 1.31079
    expect(topEntropy(tokens[3]!)).toBeCloseTo(1.31079, 4);
    // one certain candidate: no uncertainty
    expect(topEntropy(tok(0, "x", 1, [["x", 1]]))).toBe(0);
  });
  it("marks positions that are both high-entropy and without a dominant candidate", () => {
    // token 0 has high entropy but its top candidate holds exactly 0.5 (not below TOP1_MAX)
    expect(tokens.map(isCandidatePoint)).toEqual([false, true, false, true]);
    expect(candidatePoints(tokens)).toEqual([1, 3]);
  });
});

describe("probability bins and lookup", () => {
  it("bins by probability", () => {
    expect([0.05, 0.1, 0.29, 0.3, 0.59, 0.6, 0.89, 0.9, 1].map((p) => probBin(L(p)))).toEqual([0, 1, 1, 2, 2, 3, 3, 4, 4]);
  });
  it("finds the tokens of a character range and the token at an offset", () => {
    expect(tokenRange(tokens, 0, 2)).toEqual([0, 1]);
    expect(tokenRange(tokens, 1, 8)).toEqual([0, 3]);
    expect(tokenRange(tokens, 12, 20)).toEqual([4, 4]);
    expect(tokenAt(tokens, 3)).toBe(1);
    expect(tokenAt(tokens, 7)).toBe(2);
    expect(tokenAt(tokens, 12)).toBe(-1);
  });
  it("lists what the model would otherwise have said, without the chosen token", () => {
    expect(alternativesOf(tokens[1]!).map((a) => a.text)).toEqual([" But", " Hmm"]);
    expect(alternativesOf(tokens[3]!).map((a) => a.text)).toEqual([" no", " maybe", " so"]);
  });
  it("formats probabilities", () => {
    expect([0.423, 0.05, 0.0004].map(formatProb)).toEqual(["42%", "5.0%", "<0.1%"]);
  });
});

describe("trigger probabilities", () => {
  it("gives each occurrence the product of its tokens' probabilities and the alternatives at its first token", () => {
    const text = "So Wait, yes";
    const [w] = triggerProbabilities(text, triggerRegex(["Wait"]), tokens);
    expect(w).toMatchObject({ start: 3, end: 7, word: "Wait", first: 1, last: 1 });
    expect(w!.probability).toBeCloseTo(0.4, 10);
    expect(w!.alternatives.map((a) => a.text)).toEqual([" But", " Hmm"]);
    // A trigger spanning two tokens: ", yes" → 0.9 × 0.1
    const [two] = triggerProbabilities(text, triggerRegex([", yes"]), tokens);
    expect(two!.probability).toBeCloseTo(0.09, 10);
    expect(triggerProbabilities(text, triggerRegex(["Alternatively"]), tokens)).toEqual([]);
    expect(triggerProbabilities(text, triggerRegex(["Wait"]), [])).toEqual([]);
  });
});

describe("trigger probabilities in a block", () => {
  it("maps a block's text back to segment offsets", () => {
    const [w] = triggerProbabilities("Wait, yes", triggerRegex(["Wait"]), tokens, 3);
    expect(w).toMatchObject({ start: 3, end: 7, first: 1, last: 1 });
  });
});
