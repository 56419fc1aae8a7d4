import { describe, expect, it } from "vitest";
import { newcombePairedDiff } from "@/lib/sweeps";
import { BOOTSTRAP_RESAMPLES, bootstrapMeanCi, clusteredPass1Ci, pairedComparison, passAtK, passAtKOne, seededRandom, signFlipPValue, type PairedSample } from "./statistics";

// Hand-computed values for the results page's statistics (issue 15).
describe("seeded bootstrap", () => {
  it("the generator repeats by seed and differs across seeds", () => {
    const draw = (seed: number) => Array.from({ length: 5 }, seededRandom(seed));
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
    expect(draw(7).every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it("the interval is the same on every call with the same seed, and brackets the mean", () => {
    const rates = [0, 0.25, 0.5, 0.5, 0.75, 1, 1, 0.25, 0.5, 0];
    const ci = bootstrapMeanCi(rates)!;
    expect(bootstrapMeanCi(rates)).toEqual(ci);
    expect(ci[0]).toBeLessThan(0.475);
    expect(ci[1]).toBeGreaterThan(0.475);
    expect(bootstrapMeanCi(rates, { seed: 99 })).not.toEqual(ci);
    // Roughly mean ± 1.96·sd/√n = 0.475 ± 0.204 (sd 0.329, n 10); the percentile interval is near it.
    expect(ci[0]).toBeCloseTo(0.475 - 0.204, 1);
    expect(ci[1]).toBeCloseTo(0.475 + 0.204, 1);
  });

  it("degenerate data give a point, no data no interval", () => {
    expect(bootstrapMeanCi([1, 1, 1])).toEqual([1, 1]);
    expect(bootstrapMeanCi([])).toBeNull();
  });

  it("pass@1 over problems with several samples: never narrower than Wilson over the problems (all right is not 100% – 100%)", () => {
    const [lo, hi] = clusteredPass1Ci([1, 1, 1, 1, 1])!;
    expect(lo).toBeCloseTo(5 / (5 + 1.96 ** 2), 10);
    expect(hi).toBe(1);
  });
});

describe("pass@k (unbiased estimator)", () => {
  it("matches 1 − C(n−c, k)/C(n, k) by hand", () => {
    expect(passAtKOne(5, 2, 2)).toBeCloseTo(1 - 3 / 10, 12); // C(3,2)/C(5,2)
    expect(passAtKOne(10, 3, 1)).toBeCloseTo(0.3, 12);
    expect(passAtKOne(8, 1, 4)).toBeCloseTo(1 - 35 / 70, 12); // C(7,4)/C(8,4)
    expect(passAtKOne(4, 0, 2)).toBe(0);
    expect(passAtKOne(3, 2, 2)).toBe(1); // fewer wrong samples than k
    expect(() => passAtKOne(1, 0, 2)).toThrow(RangeError);
  });

  it("reports k = 2, 4, … and the most samples, each over the problems with enough of them", () => {
    const r = passAtK([
      { graded: 8, correct: 1 },
      { graded: 6, correct: 0 },
      { graded: 3, correct: 3 },
    ]);
    expect(r.map((x) => [x.k, x.problems])).toEqual([
      [2, 3],
      [4, 2],
      [8, 1],
    ]);
    expect(r[0]!.value).toBeCloseTo((passAtKOne(8, 1, 2) + 0 + 1) / 3, 12);
    expect(r[2]!.value).toBe(1);
    expect(passAtK([{ graded: 1, correct: 1 }])).toEqual([]);
  });
});

describe("paired comparison against greedy", () => {
  const table = (a: number, b: number, c: number, d: number, perProblem = 1): PairedSample[] => {
    const out: PairedSample[] = [];
    let i = 0;
    const add = (n: number, policyCorrect: boolean, greedyCorrect: boolean) => {
      for (let j = 0; j < n; j++, i++) out.push({ problemId: `p${Math.floor(i / perProblem)}`, policyCorrect, greedyCorrect });
    };
    add(a, true, true);
    add(b, true, false);
    add(c, false, true);
    add(d, false, false);
    return out;
  };

  it("one sample per problem: McNemar exact on the discordant pairs, Newcombe's interval", () => {
    const r = pairedComparison("greedy", table(10, 6, 1, 3))!;
    expect(r).toMatchObject({ test: "mcnemar-exact", pairs: 20, problems: 20, wrongToRight: 6, rightToWrong: 1 });
    expect(r.diff).toBeCloseTo(5 / 20, 12);
    // P(X ≤ 1), X ~ Bin(7, ½) = 8/128; two-sided 0.125.
    expect(r.pValue).toBeCloseTo(0.125, 12);
    expect(r.ci95).toEqual(newcombePairedDiff(10, 6, 1, 3)!.ci);
    expect(pairedComparison("greedy", table(5, 0, 0, 5))).toMatchObject({ diff: 0, pValue: 1 });
  });

  it("several samples per problem: a paired bootstrap interval over problems and a sign-flip test, reproducible", () => {
    // 10 problems × 4 samples; the policy is right where greedy is wrong on 2 samples of each of 6 problems.
    const samples: PairedSample[] = [];
    for (let p = 0; p < 10; p++)
      for (let s = 0; s < 4; s++) samples.push({ problemId: `p${p}`, policyCorrect: s < 2 || (p < 6 && s < 4), greedyCorrect: s < 2 });
    const r = pairedComparison("greedy", samples)!;
    expect(r).toMatchObject({ test: "sign-flip", interval: "paired-bootstrap", pairs: 40, problems: 10, wrongToRight: 12, rightToWrong: 0 });
    expect(r.diff).toBeCloseTo(0.3, 12); // 6 problems × 0.5 / 10
    expect(pairedComparison("greedy", samples)).toEqual(r);
    expect(r.ci95[0]).toBeGreaterThan(0);
    expect(r.ci95[1]).toBeLessThanOrEqual(0.5);
    // Six nonzero differences, all positive: 2 of the 2^6 sign patterns are as extreme.
    expect(r.pValue).toBeCloseTo(2 / 64, 12);
  });

  it("few problems cannot give a small p, however many samples (where a bootstrap p-value would)", () => {
    // 3 problems × 4 samples, the policy right and greedy wrong on all: sign-flip p = 2/8.
    const r = pairedComparison("greedy", table(0, 12, 0, 0, 4))!;
    expect(r).toMatchObject({ problems: 3, diff: 1, pValue: 0.25, interval: "newcombe" });
    // The bootstrap collapses to [1, 1] here; Newcombe's interval over 3 problems does not.
    expect(r.ci95[1]).toBe(1);
    expect(r.ci95[0]).toBeLessThan(0.6);
    expect(r.ci95[0]).toBeGreaterThan(0);
  });

  it("the sign-flip test: exact for few differences, seeded Monte Carlo for many", () => {
    expect(signFlipPValue([1, 1, 1])).toBe(0.25);
    expect(signFlipPValue([0.5, -0.5, 0, 0])).toBe(1);
    expect(signFlipPValue([])).toBe(1);
    const many = Array.from({ length: 30 }, (_, i) => (i < 24 ? 0.5 : -0.5));
    const p = signFlipPValue(many);
    expect(signFlipPValue(many)).toBe(p);
    // Sum 9 of 15 possible: the exact two-sided binomial tail P(|S| ≥ 9) for 30 fair signs of ±0.5 is 0.0014.
    expect(p).toBeGreaterThan(0.0004);
    expect(p).toBeLessThan(0.006);
    expect(p).toBeGreaterThanOrEqual(1 / (BOOTSTRAP_RESAMPLES + 1));
  });

  it("no pairs, no comparison", () => {
    expect(pairedComparison("greedy", [])).toBeNull();
  });
});
