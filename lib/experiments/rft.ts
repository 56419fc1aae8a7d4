import type { ExperimentItem, Segment, TraceEvent } from "@/lib/protocol";

/**
 * Hint-RFT data selection (START, §Hint-RFT), pure: per problem keep traces where a hint policy
 * is correct and greedy was wrong, drop repetitive ones (a measurable detector, below), require
 * at least one successful tool call, score the rest and keep the best one per problem. Every step
 * reports how many problems (and traces) survive, so the user sees where data is lost.
 */

export interface RftOptions {
  /** Greedy must be wrong on the problem: "all" greedy samples wrong, or "any". */
  greedyWrong: "all" | "any";
  /** A trace is repetitive when its repetition score is above this (0–1). */
  maxRepetition: number;
  /** n of the word n-grams the detector counts. */
  ngram: number;
  minToolCalls: number;
  /** Score = correct·wCorrect − tokens/1000·wTokens − failedExecutions·wFailed. */
  weights: { correct: number; tokens: number; failed: number };
}

export const DEFAULT_RFT_OPTIONS: RftOptions = {
  greedyWrong: "all",
  maxRepetition: 0.35,
  ngram: 10,
  minToolCalls: 1,
  weights: { correct: 10, tokens: 1, failed: 2 },
};

export interface RftCandidate {
  item: ExperimentItem;
  segments: Segment[];
  events: TraceEvent[];
}

export interface Repetition {
  /** Share of the model text's word n-grams that repeat an earlier n-gram (0 = none). */
  ngramRatio: number;
  /** Largest number of times one paragraph (≥ 40 characters) occurs. */
  maxParagraphRepeats: number;
  /**
   * The score compared with the threshold: max(ngramRatio, (maxParagraphRepeats − 2) / 3), in
   * [0, 1]. A paragraph said twice is common (a restated result); four times is a loop. On the
   * real R1 fixture traces the correct ones score ≤ 0.29 and the one that loops scores 1.
   */
  score: number;
}

/** Repetition in the model's own text (hints and tool outputs are not the model's). */
export function repetition(segments: readonly Segment[], n = DEFAULT_RFT_OPTIONS.ngram): Repetition {
  const text = segments
    .filter((s) => s.kind === "model" || s.kind === "edit")
    .map((s) => s.text)
    .join("");
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu) ?? [];
  let repeated = 0;
  let total = 0;
  const seen = new Set<string>();
  for (let i = 0; i + n <= words.length; i++) {
    const gram = words.slice(i, i + n).join(" ");
    total++;
    if (seen.has(gram)) repeated++;
    else seen.add(gram);
  }
  const paragraphs = new Map<string, number>();
  for (const p of text.split(/\n\s*\n/)) {
    const key = p.trim();
    if (key.length >= 40) paragraphs.set(key, (paragraphs.get(key) ?? 0) + 1);
  }
  const maxParagraphRepeats = Math.max(0, ...paragraphs.values());
  const ngramRatio = total ? repeated / total : 0;
  return { ngramRatio, maxParagraphRepeats, score: Math.min(1, Math.max(ngramRatio, (maxParagraphRepeats - 2) / 3)) };
}

export interface RftStep {
  step: string;
  problems: number;
  traces: number;
}

export interface RftSelected {
  problemId: string;
  traceId: string;
  policy: string;
  score: number;
  tokens: number;
  toolCalls: number;
  failedExecutions: number;
  repetition: number;
}

export interface RftResult {
  options: RftOptions;
  funnel: RftStep[];
  selected: RftSelected[];
  /** Repetition scores of every candidate that reached that step (so the threshold can be judged). */
  repetitionScores: { traceId: string; score: number; dropped: boolean }[];
}

/** Executions that raised or timed out. */
function failedExecutions(events: readonly TraceEvent[]): number {
  return events.filter((e) => e.type === "code-executed" && (e.timedOut || Boolean(e.error))).length;
}

function successfulExecutions(events: readonly TraceEvent[]): number {
  return events.filter((e) => e.type === "code-executed" && !e.timedOut && !e.error).length;
}

/**
 * @param items every item of the experiment (greedy items decide "greedy was wrong")
 * @param load the stored trace of a hint-policy item (segments + events), called only for survivors
 */
export function selectRft(items: readonly ExperimentItem[], load: (traceId: string) => Pick<RftCandidate, "segments" | "events">, options: RftOptions = DEFAULT_RFT_OPTIONS): RftResult {
  const funnel: RftStep[] = [];
  const step = (name: string, list: readonly { item: ExperimentItem }[]) =>
    funnel.push({ step: name, problems: new Set(list.map((c) => c.item.problemId)).size, traces: list.length });

  const done = items.filter((i) => i.status === "done" && i.traceId);
  const greedy = done.filter((i) => i.policy === "greedy");
  const hinted = done.filter((i) => i.policy !== "greedy").map((item) => ({ item }));
  step("finished hint-policy traces", hinted);

  const greedyByProblem = new Map<string, ExperimentItem[]>();
  for (const g of greedy) greedyByProblem.set(g.problemId, [...(greedyByProblem.get(g.problemId) ?? []), g]);
  const greedyWrong = (problemId: string) => {
    const gs = greedyByProblem.get(problemId) ?? [];
    if (!gs.length) return false;
    const wrong = gs.filter((g) => g.verdict !== "correct").length;
    return options.greedyWrong === "all" ? wrong === gs.length : wrong > 0;
  };
  let pool = hinted.filter((c) => c.item.verdict === "correct");
  step("hint policy correct", pool);
  pool = pool.filter((c) => greedyWrong(c.item.problemId));
  step(`greedy wrong (${options.greedyWrong} samples)`, pool);

  const loaded = pool.map((c) => ({ ...c, ...load(c.item.traceId!) }));
  const repetitionScores: RftResult["repetitionScores"] = [];
  const withRep = loaded.map((c) => {
    const r = repetition(c.segments, options.ngram);
    repetitionScores.push({ traceId: c.item.traceId!, score: r.score, dropped: r.score > options.maxRepetition });
    return { ...c, rep: r.score };
  });
  const notRepetitive = withRep.filter((c) => c.rep <= options.maxRepetition);
  step(`not repetitive (score ≤ ${options.maxRepetition})`, notRepetitive);
  const withTools = notRepetitive.filter((c) => successfulExecutions(c.events) >= options.minToolCalls);
  step(`≥ ${options.minToolCalls} successful tool call(s)`, withTools);

  const w = options.weights;
  const scored = withTools.map((c) => {
    const failed = failedExecutions(c.events);
    const score = (c.item.verdict === "correct" ? w.correct : 0) - (c.item.tokens / 1000) * w.tokens - failed * w.failed;
    return { c, failed, score };
  });
  const best = new Map<string, (typeof scored)[number]>();
  for (const s of scored) {
    const cur = best.get(s.c.item.problemId);
    // Ties break on the trace id so the same experiment always selects the same traces.
    if (!cur || s.score > cur.score || (s.score === cur.score && s.c.item.traceId! < cur.c.item.traceId!)) best.set(s.c.item.problemId, s);
  }
  const selected = [...best.values()]
    .sort((a, b) => a.c.item.problemIdx - b.c.item.problemIdx)
    .map((s) => ({
      problemId: s.c.item.problemId,
      traceId: s.c.item.traceId!,
      policy: s.c.item.policy,
      score: s.score,
      tokens: s.c.item.tokens,
      toolCalls: s.c.item.toolCalls,
      failedExecutions: s.failed,
      repetition: s.c.rep,
    }));
  funnel.push({ step: "best one per problem", problems: selected.length, traces: selected.length });
  return { options, funnel, selected, repetitionScores };
}
