/**
 * Small-sample statistics for sweeps (K is often 8–64, rates often near 0 or 1, where the Wald
 * interval collapses to a point: 40/40 would read "100%–100%").
 */

/**
 * Wilson score interval of `successes / n`: (p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n).
 * n = 0 gives [0, 1] (nothing known). The ends are exact 0 and 1 for 0/n and n/n.
 */
export function wilson(successes: number, n: number, z = 1.96): [number, number] {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(successes) || successes < 0 || successes > n) {
    throw new RangeError(`wilson: expected integers 0 ≤ successes ≤ n, got ${successes}/${n}`);
  }
  return n === 0 ? [0, 1] : wilsonRate(successes / n, n, z);
}

/**
 * The Wilson score interval for a rate `p` observed over `n` units, where the successes need not
 * be whole: a mean of per-problem rates over n problems (the clustered case, see
 * lib/experiments/statistics.ts). The ends are exact 0 and 1 at p = 0 and p = 1.
 */
export function wilsonRate(p: number, n: number, z = 1.96): [number, number] {
  if (!(n >= 0) || !(p >= 0 && p <= 1)) throw new RangeError(`wilsonRate: expected 0 ≤ p ≤ 1 and n ≥ 0, got p=${p} n=${n}`);
  if (n === 0) return [0, 1];
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [p === 0 ? 0 : Math.max(0, center - half), p === 1 ? 1 : Math.min(1, center + half)];
}

/**
 * Exact McNemar test: two-sided binomial test of the discordant pairs (b one way, c the other)
 * against p = ½: min(1, 2 · P(X ≤ min(b, c))), X ~ Bin(b + c, ½). No discordant pairs gives 1.
 */
export function mcnemarExact(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  // Terms C(n, i)/2^n built in log space: 2^n overflows a double past n ≈ 1023.
  let logTerm = -n * Math.LN2;
  let tail = Math.exp(logTerm);
  for (let i = 1; i <= k; i++) {
    logTerm += Math.log(n - i + 1) - Math.log(i);
    tail += Math.exp(logTerm);
  }
  return Math.min(1, 2 * tail);
}

/**
 * 95% CI (by `z`) of the difference of two paired proportions, p₁ − p₂ = (b − c)/n, by Newcombe's
 * method 10 (hybrid score, Stat Med 1998;17:2635–2650): the Wilson intervals of p₁ and p₂
 * combined with the correlation of the 2×2 table, φ = A/√((a+b)(c+d)(a+c)(b+d)) with
 * A = ad − bc continuity-corrected as Newcombe does (A − n/2 when A > n/2, 0 when 0 ≤ A ≤ n/2,
 * A when negative), and φ = 0 when a margin is empty — the same as the R implementations
 * `biostatUZH::confIntPairedProportion` and `contingencytables::Newcombe_square_and_add_CI_paired_2x2`.
 * Cells: a both succeed, b only the first, c only the second, d neither. Stays inside [−1, 1]
 * and does not collapse at 0 or n successes.
 */
export function newcombePairedDiff(a: number, b: number, c: number, d: number, z = 1.96): { diff: number; ci: [number, number] } | null {
  for (const x of [a, b, c, d]) if (!Number.isInteger(x) || x < 0) throw new RangeError(`newcombePairedDiff: expected counts, got ${[a, b, c, d].join(", ")}`);
  return newcombePairedRates(a, b, c, d, z);
}

/**
 * Newcombe's interval for cells that need not be whole: a table of pairs scaled to an effective
 * sample size (several samples per problem counted as `problems` units, see
 * lib/experiments/statistics.ts). Integer cells give exactly `newcombePairedDiff`.
 */
export function newcombePairedRates(a: number, b: number, c: number, d: number, z = 1.96): { diff: number; ci: [number, number] } | null {
  const n = a + b + c + d;
  if (n === 0) return null;
  const p1 = (a + b) / n;
  const p2 = (a + c) / n;
  const [l1, u1] = wilsonRate(p1, n, z);
  const [l2, u2] = wilsonRate(p2, n, z);
  const margins = (a + b) * (c + d) * (a + c) * (b + d);
  const cross = a * d - b * c;
  const corrected = cross > n / 2 ? cross - n / 2 : cross >= 0 ? 0 : cross;
  const phi = margins === 0 ? 0 : corrected / Math.sqrt(margins);
  const diff = p1 - p2;
  const lo = diff - Math.sqrt(Math.max(0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2));
  const hi = diff + Math.sqrt(Math.max(0, (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2));
  return { diff, ci: [Math.max(-1, lo), Math.min(1, hi)] };
}
