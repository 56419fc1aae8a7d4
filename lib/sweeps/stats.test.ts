import { describe, expect, it } from "vitest";
import { mcnemarExact, newcombePairedDiff, wilson } from "./stats";

const z2 = 1.96 * 1.96; // 3.8416

describe("wilson", () => {
  it("matches hand-computed intervals to 4 decimals", () => {
    // 0/10: lo = 0; hi = z²/(n + z²) = 3.8416/13.8416 = 0.27754 (the published [0, 0.2775]).
    expect(wilson(0, 10)[0]).toBe(0);
    expect(wilson(0, 10)[1]).toBeCloseTo(0.2775, 4);
    // 10/10: lo = n/(n + z²) = 10/13.8416 = 0.72246, hi = 1 (the published [0.7225, 1]).
    expect(wilson(10, 10)[0]).toBeCloseTo(0.7225, 4);
    expect(wilson(10, 10)[1]).toBe(1);
    // 7/20: p = 0.35, 1 + z²/n = 1.19208, centre = (0.35 + 0.09604)/1.19208 = 0.37417,
    // half = (1.96/1.19208)·√(0.2275/20 + 3.8416/1600) = 1.64418·0.11657 = 0.19298 → [0.1812, 0.5671].
    expect(wilson(7, 20)[0]).toBeCloseTo(0.1812, 4);
    expect(wilson(7, 20)[1]).toBeCloseTo(0.5671, 4);
  });

  it("never reads 100%–100% for a perfect score: 40/40 is [40/43.8416, 1]", () => {
    const [lo, hi] = wilson(40, 40);
    expect(lo).toBeCloseTo(40 / (40 + z2), 10);
    expect(lo).toBeCloseTo(0.9124, 4);
    expect(hi).toBe(1);
  });

  it("says nothing is known for n = 0 and refuses impossible counts", () => {
    expect(wilson(0, 0)).toEqual([0, 1]);
    expect(() => wilson(5, 4)).toThrow(RangeError);
    expect(() => wilson(-1, 4)).toThrow(RangeError);
    expect(() => wilson(1.5, 4)).toThrow(RangeError);
  });

  it("is symmetric: wilson(s, n) mirrors wilson(n − s, n)", () => {
    const [lo, hi] = wilson(3, 17);
    const [lo2, hi2] = wilson(14, 17);
    expect(lo).toBeCloseTo(1 - hi2, 12);
    expect(hi).toBeCloseTo(1 - lo2, 12);
  });
});

describe("mcnemarExact", () => {
  it("is the two-sided binomial tail of the discordant pairs", () => {
    // b=1, c=8: n=9, 2·(C(9,0) + C(9,1))/2⁹ = 2·10/512 = 0.0390625.
    expect(mcnemarExact(1, 8)).toBeCloseTo(0.0390625, 12);
    expect(mcnemarExact(8, 1)).toBeCloseTo(0.0390625, 12);
    // b=0, c=5: 2·1/32 = 0.0625 (five wins out of five is not significant at 5%).
    expect(mcnemarExact(0, 5)).toBeCloseTo(0.0625, 12);
    // b=3, c=10: 2·(1 + 13 + 78 + 286)/8192 = 756/8192 = 0.0922852.
    expect(mcnemarExact(3, 10)).toBeCloseTo(756 / 8192, 12);
  });

  it("is 1 for balanced or absent discordance, and stays finite for large n", () => {
    expect(mcnemarExact(2, 2)).toBe(1);
    expect(mcnemarExact(0, 0)).toBe(1);
    const p = mcnemarExact(600, 700);
    expect(p).toBeGreaterThan(0.005);
    expect(p).toBeLessThan(0.01);
  });
});

describe("newcombePairedDiff (method 10)", () => {
  it("matches a hand computation with a negative cross product (no correction applies)", () => {
    // a=36, b=12, c=2, d=0, n=50: p1 = 48/50, p2 = 38/50, D = 0.2.
    // Wilson 48/50 = [0.86540, 0.98896], 38/50 = [0.62587, 0.85703].
    // ad − bc = −24 < 0, φ = −24/√(48·2·38·12) = −0.114708.
    // lo = 0.2 − √(0.09460² + 2·0.114708·0.09460·0.09703 + 0.09703²) = 0.0569
    // hi = 0.2 + √(0.02896² + 2·0.114708·0.02896·0.13413 + 0.13413²) = 0.3404
    const r = newcombePairedDiff(36, 12, 2, 0)!;
    expect(r.diff).toBeCloseTo(0.2, 12);
    expect(r.ci[0]).toBeCloseTo(0.0569, 4);
    expect(r.ci[1]).toBeCloseTo(0.3404, 4);
  });

  it("corrects a positive cross product by n/2", () => {
    // a=10, b=6, c=1, d=3, n=20: ad − bc = 24 > 10, so A = 14, φ = 14/√(16·4·11·9) = 0.175882.
    // Wilson 16/20 = [0.58398, 0.91934], 11/20 = [0.34208, 0.74180]; D = 0.25 → [−0.0124, 0.4708].
    const r = newcombePairedDiff(10, 6, 1, 3)!;
    expect(r.diff).toBeCloseTo(0.25, 12);
    expect(r.ci[0]).toBeCloseTo(-0.0124, 4);
    expect(r.ci[1]).toBeCloseTo(0.4708, 4);
  });

  it("does not collapse when both arms are perfect, and is null without pairs", () => {
    const r = newcombePairedDiff(10, 0, 0, 0)!;
    expect(r.diff).toBe(0);
    expect(r.ci[0]).toBeCloseTo(-0.2775, 4);
    expect(r.ci[1]).toBeCloseTo(0.2775, 4);
    expect(newcombePairedDiff(0, 0, 0, 0)).toBeNull();
  });
});
