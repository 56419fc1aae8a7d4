import type { ExperimentItem, ExperimentPolicy } from "@/lib/protocol";
import { wilson } from "@/lib/sweeps";
import { BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED, clusteredPass1Ci, pairedComparison, passAtK, type PairedComparison, type PairedSample, type PassAtK } from "./statistics";

/**
 * Results of an experiment from its item rows — a pure function, shared by the CLI, the API and
 * the results UI. Only `done` items count towards accuracy; `failed` items (model-server
 * failures after retries) are counted separately and never as wrong answers, and so are
 * `ungradable` ones (the grader could not decide: the answer hit the per-pair time limit or was
 * too large): pass@1 is over graded items only, `ungradable` says how many were left out.
 *
 * pass@1 of a policy = mean over problems of (correct samples / graded samples of that problem).
 * Its 95% CI, pass@k and the paired comparison with greedy are in statistics.ts: Wilson with one
 * sample per problem, a seeded bootstrap over problems with several (a problem's samples are not
 * independent). The normal approximation this replaced collapsed at the ends (40/40 read
 * "100.0% – 100.0%"), which is where hint policies often sit.
 */
export interface PolicyResult {
  policy: string;
  /** Finished items (traces with a verdict), failed items, and distinct problems with a finished item. */
  n: number;
  failed: number;
  /** Finished items whose answer the grader could not decide (not in pass@1). */
  ungradable: number;
  problems: number;
  /** Graded items (correct or incorrect) and the correct ones among them: the interval's counts. */
  graded: number;
  correct: number;
  /** null when nothing is graded yet. */
  pass1: number | null;
  ci95: [number, number] | null;
  /** How ci95 was computed: Wilson (one graded sample per problem) or a bootstrap over problems (several). */
  ciMethod: "wilson" | "bootstrap" | null;
  /** Unbiased pass@k for k = 2, 4, … up to the most graded samples of a problem (empty with one sample). */
  passAtK: PassAtK[];
  /** Against greedy on the same problems and samples (null for greedy itself, or without pairs). */
  vsGreedy: PairedComparison | null;
  /** Code problems: tests failed by reason, over finished items ("not-run": after a failed one). Empty for math. */
  codeFailures: NonNullable<ExperimentItem["codeFailures"]>;
  /** Share of finished traces that executed code at least once. */
  toolCallRate: number | null;
  meanToolCalls: number | null;
  meanTokens: number | null;
  meanTimeMs: number | null;
}

export interface HintResult {
  hint: string;
  /** Finished traces where this hint was injected. */
  injected: number;
  /** …that executed code, and that ended correct. */
  ledToCode: number;
  correct: number;
  /** Against greedy on the same problem and sample: wrong → right, right → wrong (pairs where greedy finished). */
  wrongToRight: number;
  rightToWrong: number;
  pairedWithGreedy: number;
}

export interface ScalingPoint {
  rounds: number;
  policy: string;
  pass1: number | null;
  meanTokens: number | null;
}

/** One budget-forcing policy (s1's sequential scaling): its thinking budget, accuracy and cost. */
export interface BudgetScalingPoint {
  policy: string;
  minThinking: number;
  /** null: no cap (only a minimum). */
  maxThinking: number | null;
  word: string;
  pass1: number | null;
  meanTokens: number | null;
}

/** One model server of the run: the items its traces finished on (issue 14: several servers of one model). */
export interface EndpointResult {
  endpoint: string;
  /** Finished and failed items whose trace's last request went to this server. */
  done: number;
  failed: number;
  meanTokens: number | null;
  meanTimeMs: number | null;
}

export interface ExperimentResults {
  /** How the intervals and tests were computed, in words (for the page and exports). */
  ciMethod: typeof CI_METHOD;
  policies: PolicyResult[];
  hints: HintResult[];
  /** Accuracy vs end-of-thinking rounds (greedy as 0 rounds, paper:rounds=R with p=0 and hints by kind). */
  scaling: ScalingPoint[];
  /**
   * The second series, "Budget forcing (s1)": every budget policy, ordered by its budget (max,
   * then min; no max last), to compare with `scaling` at equal mean tokens.
   */
  budgetScaling: BudgetScalingPoint[];
  /** Every policy as (mean tokens, pass@1), sorted by tokens. */
  accuracyVsTokens: { policy: string; meanTokens: number; pass1: number }[];
  /** Which model server served the items, by URL (empty for the local model). */
  endpoints: EndpointResult[];
}

export const CI_METHOD =
  `95% intervals: Wilson score interval with one sample per problem, else a percentile bootstrap over problems (${BOOTSTRAP_RESAMPLES} resamples, seed ${BOOTSTRAP_SEED}), at least as wide as the Wilson interval over the number of problems. ` +
  `Against greedy on the same problems and samples: Newcombe's paired interval and the exact McNemar test with one sample per problem, else a paired bootstrap interval over problems and a sign-flip permutation test over problems. pass@k: the unbiased estimator.`;

/** A verdict that says right or wrong (not "nothing to grade against", not "could not decide"). */
const isGraded = (v: ExperimentItem["verdict"]): boolean => v === "correct" || v === "incorrect";

const mean = (xs: readonly number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

export function computeResults(items: readonly ExperimentItem[], policies: readonly ExperimentPolicy[]): ExperimentResults {
  const byPolicy = new Map<string, ExperimentItem[]>();
  for (const p of policies) byPolicy.set(p.label, []);
  for (const it of items) {
    if (!byPolicy.has(it.policy)) byPolicy.set(it.policy, []);
    byPolicy.get(it.policy)!.push(it);
  }
  const greedyLabel = policies.find((p) => p.policy.type === "greedy")?.label;
  const key = (it: ExperimentItem) => `${it.problemId}\u0000${it.sample}`;
  const greedy = new Map<string, ExperimentItem>();
  if (greedyLabel) for (const it of byPolicy.get(greedyLabel) ?? []) if (it.status === "done") greedy.set(key(it), it);
  const vsGreedy = (label: string, its: readonly ExperimentItem[]): PairedComparison | null => {
    if (!greedyLabel || label === greedyLabel) return null;
    const pairs: PairedSample[] = [];
    for (const it of its) {
      const g = greedy.get(key(it));
      if (it.status === "done" && g && isGraded(it.verdict) && isGraded(g.verdict)) pairs.push({ problemId: it.problemId, policyCorrect: it.verdict === "correct", greedyCorrect: g.verdict === "correct" });
    }
    return pairedComparison(greedyLabel, pairs);
  };
  const policyResults = [...byPolicy.entries()].map(([label, its]) => ({ ...policyResult(label, its), vsGreedy: vsGreedy(label, its) }));

  const hints = new Map<string, HintResult>();
  for (const it of items) {
    if (it.status !== "done") continue;
    for (const h of new Set(it.hints)) {
      const r = hints.get(h) ?? { hint: h, injected: 0, ledToCode: 0, correct: 0, wrongToRight: 0, rightToWrong: 0, pairedWithGreedy: 0 };
      r.injected++;
      if (it.toolCalls > 0) r.ledToCode++;
      if (it.verdict === "correct") r.correct++;
      const g = greedy.get(key(it));
      if (g && isGraded(g.verdict) && isGraded(it.verdict)) {
        r.pairedWithGreedy++;
        if (g.verdict !== "correct" && it.verdict === "correct") r.wrongToRight++;
        if (g.verdict === "correct" && it.verdict !== "correct") r.rightToWrong++;
      }
      hints.set(h, r);
    }
  }

  const resultOf = new Map(policyResults.map((r) => [r.policy, r]));
  const scaling: ScalingPoint[] = [];
  for (const p of policies) {
    const rounds = p.policy.type === "greedy" ? 0 : p.policy.type === "paper" && !p.policy.triggerProb && !p.policy.hintId ? p.policy.rounds : undefined;
    if (rounds === undefined || scaling.some((s) => s.rounds === rounds)) continue;
    const r = resultOf.get(p.label)!;
    scaling.push({ rounds, policy: p.label, pass1: r.pass1, meanTokens: r.meanTokens });
  }
  scaling.sort((a, b) => a.rounds - b.rounds);

  const budgetScaling: BudgetScalingPoint[] = [];
  for (const p of policies) {
    if (p.policy.type !== "budget") continue;
    const r = resultOf.get(p.label)!;
    const { minThinking, maxThinking, word } = p.policy;
    budgetScaling.push({ policy: p.label, minThinking, maxThinking: maxThinking ?? null, word, pass1: r.pass1, meanTokens: r.meanTokens });
  }
  const cap = (b: BudgetScalingPoint) => b.maxThinking ?? Number.POSITIVE_INFINITY;
  budgetScaling.sort((a, b) => cap(a) - cap(b) || a.minThinking - b.minThinking || a.policy.localeCompare(b.policy));

  const accuracyVsTokens = policyResults
    .filter((r): r is PolicyResult & { meanTokens: number; pass1: number } => r.meanTokens !== null && r.pass1 !== null)
    .map((r) => ({ policy: r.policy, meanTokens: r.meanTokens, pass1: r.pass1 }))
    .sort((a, b) => a.meanTokens - b.meanTokens);

  return {
    ciMethod: CI_METHOD,
    policies: policyResults,
    hints: [...hints.values()].sort((a, b) => b.injected - a.injected || a.hint.localeCompare(b.hint)),
    scaling,
    budgetScaling,
    accuracyVsTokens,
    endpoints: endpointResults(items),
  };
}

function endpointResults(items: readonly ExperimentItem[]): EndpointResult[] {
  const by = new Map<string, ExperimentItem[]>();
  for (const it of items) {
    if (!it.endpoint || (it.status !== "done" && it.status !== "failed")) continue;
    const list = by.get(it.endpoint);
    if (list) list.push(it);
    else by.set(it.endpoint, [it]);
  }
  return [...by.entries()]
    .map(([endpoint, its]) => {
      const done = its.filter((it) => it.status === "done");
      return {
        endpoint,
        done: done.length,
        failed: its.length - done.length,
        meanTokens: mean(done.map((d) => d.tokens)),
        meanTimeMs: mean(done.map((d) => d.durationMs)),
      };
    })
    .sort((a, b) => a.endpoint.localeCompare(b.endpoint));
}

function sumCodeFailures(items: readonly ExperimentItem[]): NonNullable<ExperimentItem["codeFailures"]> {
  const out: NonNullable<ExperimentItem["codeFailures"]> = {};
  for (const it of items) for (const [k, n] of Object.entries(it.codeFailures ?? {})) out[k as keyof typeof out] = (out[k as keyof typeof out] ?? 0) + (n ?? 0);
  return out;
}

function policyResult(policy: string, items: readonly ExperimentItem[]): Omit<PolicyResult, "vsGreedy"> {
  const done = items.filter((it) => it.status === "done");
  const failed = items.filter((it) => it.status === "failed").length;
  const perProblem = new Map<string, { correct: number; graded: number }>();
  for (const it of done) {
    if (!isGraded(it.verdict)) continue;
    const p = perProblem.get(it.problemId) ?? { correct: 0, graded: 0 };
    p.graded++;
    if (it.verdict === "correct") p.correct++;
    perProblem.set(it.problemId, p);
  }
  const rates = [...perProblem.values()].map((p) => p.correct / p.graded);
  const pass1 = mean(rates);
  let graded = 0;
  let correct = 0;
  for (const p of perProblem.values()) {
    graded += p.graded;
    correct += p.correct;
  }
  const several = [...perProblem.values()].some((p) => p.graded > 1);
  return {
    policy,
    n: done.length,
    failed,
    ungradable: done.filter((it) => it.verdict === "ungradable").length,
    problems: new Set(done.map((d) => d.problemId)).size,
    graded,
    correct,
    pass1,
    ci95: pass1 === null ? null : several ? clusteredPass1Ci(rates) : wilson(correct, graded),
    ciMethod: pass1 === null ? null : several ? "bootstrap" : "wilson",
    codeFailures: sumCodeFailures(done),
    passAtK: passAtK([...perProblem.values()]),
    toolCallRate: mean(done.map((d) => (d.toolCalls > 0 ? 1 : 0))),
    meanToolCalls: mean(done.map((d) => d.toolCalls)),
    meanTokens: mean(done.map((d) => d.tokens)),
    meanTimeMs: mean(done.map((d) => d.durationMs)),
  };
}

export const HINT_ROUNDS_SERIES = "Hint rounds (paper:rounds=R)";
export const BUDGET_SERIES = "Budget forcing (s1)";

export interface ScalingChartSeries {
  name: typeof HINT_ROUNDS_SERIES | typeof BUDGET_SERIES;
  points: { x: number; y: number; policy: string; label: string }[];
}

/**
 * What the sequential-scaling chart plots. Hint rounds alone: pass@1 against rounds (START's
 * Figure 5). With budget forcing too, both series share the one axis they have in common, mean
 * tokens per trace (s1 plots its budgets against thinking tokens), each point labelled with its
 * rounds or budget. Points without a graded item are left out.
 */
export function scalingChart(r: Pick<ExperimentResults, "scaling" | "budgetScaling">): { x: "rounds" | "meanTokens"; series: ScalingChartSeries[] } {
  const budget = r.budgetScaling.filter((b): b is BudgetScalingPoint & { pass1: number; meanTokens: number } => b.pass1 !== null && b.meanTokens !== null);
  const roundsLabel = (rounds: number) => (rounds === 0 ? "greedy" : `${rounds} round${rounds === 1 ? "" : "s"}`);
  if (budget.length === 0) {
    const points = r.scaling.filter((s) => s.pass1 !== null).map((s) => ({ x: s.rounds, y: s.pass1!, policy: s.policy, label: roundsLabel(s.rounds) }));
    return { x: "rounds", series: points.length ? [{ name: HINT_ROUNDS_SERIES, points }] : [] };
  }
  const rounds = r.scaling
    .filter((s) => s.pass1 !== null && s.meanTokens !== null)
    .map((s) => ({ x: s.meanTokens!, y: s.pass1!, policy: s.policy, label: roundsLabel(s.rounds) }));
  const budgetLabel = (b: BudgetScalingPoint) =>
    [b.minThinking > 0 ? `≥${b.minThinking}` : "", b.maxThinking !== null ? `≤${b.maxThinking}` : ""].filter(Boolean).join(" ") + (b.word !== "Wait" ? ` (${b.word})` : "");
  const series: ScalingChartSeries[] = [];
  if (rounds.length) series.push({ name: HINT_ROUNDS_SERIES, points: rounds });
  series.push({ name: BUDGET_SERIES, points: budget.map((b) => ({ x: b.meanTokens, y: b.pass1, policy: b.policy, label: budgetLabel(b) })) });
  return { x: "meanTokens", series };
}
