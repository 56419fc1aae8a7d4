import { mcnemarExact, newcombePairedDiff, newcombePairedRates, wilsonRate } from "@/lib/sweeps";

/**
 * The statistics of an experiment's results page (issue 15, "numbers a reviewer would accept").
 *
 * - pass@1's 95% interval: with one sample per problem the samples are independent and the
 *   Wilson score interval is exact enough at the ends (0/n, n/n). With several samples per
 *   problem they are not (a problem's samples are alike), so the interval comes from a bootstrap
 *   over problems: resample the problems with replacement, take the mean of their per-problem
 *   rates, keep the 2.5th and 97.5th percentiles. A percentile bootstrap collapses to a point
 *   when every problem has the same rate (all right: "100% – 100%", the fault this replaces), so
 *   the interval is widened to at least the Wilson interval of pass@1 over the number of problems
 *   (the effective sample size when a problem's samples agree).
 * - pass@k: the unbiased estimator of Chen et al. (2021), 1 − C(n−c, k)/C(n, k) per problem with
 *   n ≥ k graded samples, c correct, averaged over those problems.
 * - Against greedy ("did the hint help?"), on the same problems and samples: with one sample per
 *   problem, the paired difference with Newcombe's hybrid score interval and the exact McNemar
 *   test; with several, a paired bootstrap over problems (each resample keeps a problem's two
 *   policies together) for the interval, and a sign-flip permutation test over problems for the
 *   p-value (under "no difference" each problem's difference is as likely negated; exact up to
 *   2^12 sign patterns, else seeded Monte Carlo). Not the bootstrap's own p-value: with few
 *   problems it is far too small (3 problems all better read p = 0.001; the exact answer is 0.25).
 *   When every problem has the same difference the bootstrap collapses to a point; the interval is
 *   then Newcombe's on the pair table scaled to the number of problems.
 *
 * Bootstraps draw from a seeded generator (mulberry32, BOOTSTRAP_SEED), so the same items give
 * the same interval on every page load and in every export.
 */

export const BOOTSTRAP_RESAMPLES = 2000;
export const BOOTSTRAP_SEED = 15;

/** mulberry32: a small, fast, seeded generator of floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The q-quantile of sorted values, by linear interpolation between order statistics (R's type 7). */
function quantile(sorted: Float64Array, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

export interface BootstrapOptions {
  resamples?: number;
  seed?: number;
}

/** Means of `resamples` resamples (with replacement) of `values`, sorted. */
function resampledMeans(values: readonly number[], o: BootstrapOptions): Float64Array {
  const B = o.resamples ?? BOOTSTRAP_RESAMPLES;
  const n = values.length;
  // Sorted first, so the result depends on the values and not on the order items came in.
  const v = Float64Array.from(values).sort();
  const means = new Float64Array(B);
  // seededRandom's mulberry32 inlined: this loop is n × B draws (10M for 5,000 problems).
  let a = (o.seed ?? BOOTSTRAP_SEED) >>> 0;
  for (let b = 0; b < B; b++) {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      sum += v[(((t ^ (t >>> 14)) >>> 0) / 4294967296 * n) | 0]!;
    }
    means[b] = sum / n;
  }
  return means.sort();
}

/** Percentile 95% interval of the mean of `values` by bootstrap (null without values). */
export function bootstrapMeanCi(values: readonly number[], o: BootstrapOptions = {}): [number, number] | null {
  if (values.length === 0) return null;
  const means = resampledMeans(values, o);
  return [quantile(means, 0.025), quantile(means, 0.975)];
}

const union = (x: [number, number], y: [number, number]): [number, number] => [Math.min(x[0], y[0]), Math.max(x[1], y[1])];

/** pass@1's 95% interval from per-problem rates (several samples each): the bootstrap, at least as wide as Wilson over problems. */
export function clusteredPass1Ci(rates: readonly number[], o: BootstrapOptions = {}): [number, number] | null {
  const boot = bootstrapMeanCi(rates, o);
  if (!boot) return null;
  const mean = rates.reduce((s, x) => s + x, 0) / rates.length;
  return union(boot, wilsonRate(Math.min(1, Math.max(0, mean)), rates.length));
}

/** Unbiased pass@k of one problem: n graded samples, c correct (n ≥ k). */
export function passAtKOne(n: number, c: number, k: number): number {
  if (!(k >= 1 && n >= k && c >= 0 && c <= n)) throw new RangeError(`pass@k: expected 1 ≤ k ≤ n and 0 ≤ c ≤ n, got n=${n} c=${c} k=${k}`);
  if (n - c < k) return 1;
  // C(n−c, k)/C(n, k) = ∏_{i=n−c+1}^{n} (1 − k/i), the numerically stable form.
  let fail = 1;
  for (let i = n - c + 1; i <= n; i++) fail *= 1 - k / i;
  return 1 - fail;
}

export interface PassAtK {
  k: number;
  /** Mean over the problems with at least k graded samples. */
  value: number;
  problems: number;
}

/** pass@k for k = 2, 4, 8, … and the largest sample count, over problems with enough graded samples. */
export function passAtK(perProblem: readonly { correct: number; graded: number }[]): PassAtK[] {
  const most = perProblem.reduce((m, p) => Math.max(m, p.graded), 0);
  const ks: number[] = [];
  for (let k = 2; k < most; k *= 2) ks.push(k);
  if (most >= 2) ks.push(most);
  return ks.map((k) => {
    const enough = perProblem.filter((p) => p.graded >= k);
    return { k, value: enough.reduce((s, p) => s + passAtKOne(p.graded, p.correct, k), 0) / enough.length, problems: enough.length };
  });
}

/** One graded sample of a policy and of greedy on the same problem and sample index. */
export interface PairedSample {
  problemId: string;
  policyCorrect: boolean;
  greedyCorrect: boolean;
}

export interface PairedComparison {
  /** The policy compared against (greedy). */
  against: string;
  pairs: number;
  problems: number;
  /** Pairs greedy got wrong and the policy right, and the reverse. */
  wrongToRight: number;
  rightToWrong: number;
  /** pass@1 of the policy minus greedy's, on the paired samples (mean over problems). */
  diff: number;
  ci95: [number, number];
  interval: "newcombe" | "paired-bootstrap";
  pValue: number;
  test: "mcnemar-exact" | "sign-flip";
}

/** Most nonzero differences whose sign patterns are enumerated exactly (2^12 = 4096). */
const EXACT_SIGN_FLIPS = 12;

/** Two-sided sign-flip permutation p-value of the mean of paired differences `diffs`. */
export function signFlipPValue(diffs: readonly number[], o: BootstrapOptions = {}): number {
  const d = diffs.filter((x) => x !== 0);
  const observed = Math.abs(d.reduce((s, x) => s + x, 0));
  if (d.length === 0 || observed === 0) return 1;
  const tol = 1e-9 * Math.max(1, observed);
  if (d.length <= EXACT_SIGN_FLIPS) {
    let extreme = 0;
    const patterns = 1 << d.length;
    for (let m = 0; m < patterns; m++) {
      let sum = 0;
      for (let i = 0; i < d.length; i++) sum += m & (1 << i) ? -d[i]! : d[i]!;
      if (Math.abs(sum) >= observed - tol) extreme++;
    }
    return extreme / patterns;
  }
  const B = o.resamples ?? BOOTSTRAP_RESAMPLES;
  const next = seededRandom(o.seed ?? BOOTSTRAP_SEED);
  let extreme = 0;
  for (let b = 0; b < B; b++) {
    let sum = 0;
    for (const x of d) sum += next() < 0.5 ? -x : x;
    if (Math.abs(sum) >= observed - tol) extreme++;
  }
  return (1 + extreme) / (B + 1);
}

/** The policy against greedy on their paired graded samples; null without pairs. */
export function pairedComparison(against: string, samples: readonly PairedSample[], o: BootstrapOptions = {}): PairedComparison | null {
  if (samples.length === 0) return null;
  const byProblem = new Map<string, PairedSample[]>();
  for (const s of samples) {
    const list = byProblem.get(s.problemId);
    if (list) list.push(s);
    else byProblem.set(s.problemId, [s]);
  }
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  for (const s of samples) {
    if (s.policyCorrect && s.greedyCorrect) a++;
    else if (s.policyCorrect) b++;
    else if (s.greedyCorrect) c++;
    else d++;
  }
  const base = { against, pairs: samples.length, problems: byProblem.size, wrongToRight: b, rightToWrong: c };
  if (byProblem.size === samples.length) {
    const nd = newcombePairedDiff(a, b, c, d)!;
    return { ...base, diff: nd.diff, ci95: nd.ci, interval: "newcombe", pValue: mcnemarExact(b, c), test: "mcnemar-exact" };
  }
  // Several samples per problem: the per-problem difference of rates, resampled by problem.
  const diffs = [...byProblem.values()].map((list) => list.reduce((s, x) => s + (x.policyCorrect ? 1 : 0) - (x.greedyCorrect ? 1 : 0), 0) / list.length);
  const diff = diffs.reduce((s, x) => s + x, 0) / diffs.length;
  const means = resampledMeans(diffs, o);
  const pValue = signFlipPValue(diffs, o);
  if (means[0] === means[means.length - 1]) {
    const scale = byProblem.size / samples.length;
    return { ...base, diff, ci95: newcombePairedRates(a * scale, b * scale, c * scale, d * scale)!.ci, interval: "newcombe", pValue, test: "sign-flip" };
  }
  return { ...base, diff, ci95: [quantile(means, 0.025), quantile(means, 0.975)], interval: "paired-bootstrap", pValue, test: "sign-flip" };
}

