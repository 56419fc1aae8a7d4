import "server-only";
import { setMaxListeners } from "node:events";
import { BUILTIN_HINTS, fillHint, hintsForProblem, HINT_LIBRARY_VERSION } from "@/hints";
import type { TraceStore } from "@/lib/db";
import type { SegmentLogprobs } from "@/lib/engine";
import type { ExperimentItem, ExperimentPolicy, ExperimentSpec, ExperimentSummary, ModelErrorCode, Problem, Trace, TraceConfig, UngradableReason, Verdict } from "@/lib/protocol";
import { createProvider, isEndpointPool, resolveModelConfig, type Provider, type TraceBinding } from "@/lib/providers";
import { runHeadless } from "@/lib/runner/headless";
import type { CodeFailure } from "@/lib/grading";
import { codeLimits, createMathGrader, poolGrader } from "./grade";
import { SandboxPool } from "./sandbox-pool";
import { DroppedWrite, WriteQueue } from "./write-queue";
import { graderOf } from "./verdicts";
import type { ExperimentStore, ItemKey, ItemOutcome } from "./store";

/**
 * Runs an experiment's unfinished items with bounded concurrency. Each item is one headless
 * Hint-infer session; its finished trace is stored through the TraceStore (dataset = the
 * dataset's name, tags `exp:<id>` and `policy:<label>`) and the item row links it. Model-server
 * failures are retried with backoff and then recorded as `failed` (never as a wrong answer).
 * Aborting the signal stops in-flight sessions (their items go back to pending) and keeps
 * everything finished; running again resumes with the rest.
 */

/** Failures worth another try: the server may come back. Auth, unknown model or a bad request will not. */
export const RETRYABLE: ReadonlySet<string> = new Set<ModelErrorCode>(["connection-refused", "server-error", "stream-broken", "malformed-stream", "timeout", "internal"]);

/** A grader's verdict; `reason` says why when it is `ungradable`. */
export interface Graded {
  answer?: string;
  verdict: Verdict;
  reason?: UngradableReason;
  /** Code problems: failed tests by reason. */
  codeFailures?: Partial<Record<CodeFailure, number>>;
  /** Who graded (verdicts.ts); default: the grader of the problem's kind. */
  grader?: string;
}
export type Grader = (problem: Problem, trace: Trace) => Graded | Promise<Graded>;

export interface RunExperimentOptions {
  store: ExperimentStore;
  traces: TraceStore;
  experimentId: string;
  signal?: AbortSignal;
  /** Overrides the spec's concurrency. */
  concurrency?: number;
  /** Default: from the spec's model settings (API key from the environment). */
  provider?: Provider;
  /** Default: a pool of NodeSandbox processes sized to the CPU count (disposed at the end). */
  sandboxes?: SandboxPool;
  /** Grades a finished trace; default: poolGrader (math equivalence incl. sympy, code against tests). */
  grade?: Grader;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  /** Called after every item state change and at least once a second while running. */
  onProgress?: (summary: ExperimentSummary) => void;
  onItemFinished?: (item: ItemKey, outcome: ItemOutcome) => void;
  /**
   * Run as one of several workers sharing the experiment (`hintlab worker`, see workers.ts):
   * claim items one by one instead of taking all that are unfinished, keep to those this process
   * holds, take over those of workers that die, and stop when nothing is left anywhere (or the
   * experiment is cancelled from the UI).
   */
  worker?: boolean;
}

/** Waits `ms`, or less when the signal aborts (a cancelled run does not sit out its backoff). */
export const abortableSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });

/** FNV-1a of a string: a stable per-item policy seed. */
function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export function traceConfigFor(spec: ExperimentSpec, policy: ExperimentPolicy, item: Pick<ItemKey, "problemId" | "sample">, model: { provider: TraceConfig["provider"]; baseUrl?: string; model: string; template: TraceConfig["template"] }): TraceConfig {
  return {
    provider: model.provider,
    ...(model.baseUrl ? { baseUrl: model.baseUrl } : {}),
    model: model.model,
    template: model.template,
    sampling: {
      maxTokens: spec.maxTokens,
      ...(spec.temperature !== undefined ? { temperature: spec.temperature } : {}),
      ...(spec.topP !== undefined ? { topP: spec.topP } : {}),
      seed: spec.seed + item.sample,
    },
    triggers: spec.triggers,
    policy: policy.policy,
    maxToolCalls: spec.maxToolCalls,
    toolTimeoutMs: spec.toolTimeoutMs,
    maxOutputChars: 4000,
    hintLibraryVersion: HINT_LIBRARY_VERSION,
    policySeed: hash32(`${spec.seed}/${item.problemId}/${item.sample}`) & 0x7fffffff,
  };
}

function policyHintsFor(policy: ExperimentPolicy, problem: Problem) {
  const hintId = policy.policy.type === "paper" ? policy.policy.hintId : undefined;
  const hints = hintId ? BUILTIN_HINTS.filter((h) => h.id === hintId) : hintsForProblem(BUILTIN_HINTS, problem);
  return hints.map((h) => ({ id: h.id, text: fillHint(h.text, problem) }));
}

function traceStats(trace: Trace) {
  let tokens = 0;
  let toolCalls = 0;
  for (const e of trace.events) {
    if (e.type === "code-executed") toolCalls++;
    if (e.type === "stream-ended") tokens += e.usage?.completionTokens ?? Math.ceil(e.chars / 4);
  }
  const hints = [...new Set(trace.segments.flatMap((s) => (s.kind === "hint" && s.hintId ? [s.hintId] : [])))];
  return { tokens, toolCalls, hints };
}

/**
 * Requests of one trace through an endpoint pool go through one binding (prefix-cache affinity,
 * see TraceBinding); any other provider is used as it is.
 */
export function bindTrace(provider: Provider): { provider: Provider; binding?: TraceBinding } {
  if (!isEndpointPool(provider)) return { provider };
  const binding = provider.bind();
  return { provider: binding.provider, binding };
}

/** The trace with the server that served it in its config (`baseUrl`; `endpoints` when several did). */
export function withServedBy(trace: Trace, binding: TraceBinding | undefined): Trace {
  const endpoint = binding?.endpoint();
  if (!endpoint) return trace;
  const used = binding!.endpoints();
  return { ...trace, config: { ...trace.config, baseUrl: endpoint, ...(used.length > 1 ? { endpoints: used } : {}) } };
}

/** The error a failed session ended with (its last `error` event). */
export function failureOf(trace: Trace): { code: string; message: string } | undefined {
  if (trace.status !== "failed") return undefined;
  const e = [...trace.events].reverse().find((ev) => ev.type === "error");
  return e && e.type === "error" ? { code: e.code, message: e.message } : { code: "internal", message: "the session failed" };
}

/** Run (or resume) an experiment until every item is done or failed, or the signal aborts. */
export async function runExperiment(opts: RunExperimentOptions): Promise<ExperimentSummary> {
  const { store, experimentId: id } = opts;
  const now = opts.now ?? (() => Date.now());
  const sleep = opts.sleep ?? abortableSleep;
  const exp = store.getExperiment(id, now());
  const spec = exp.spec;
  const policies = new Map(exp.policies.map((p) => [p.label, p]));
  const problems = store.problemMap(exp.datasetId);
  const modelConfig = resolveModelConfig(spec.model);
  const provider = opts.provider ?? createProvider(modelConfig);
  const ownPool = !opts.sandboxes;
  const pool = opts.sandboxes ?? new SandboxPool();
  const concurrency = opts.concurrency ?? spec.concurrency;
  // One math grader for the run (its sympy processes outlive single traces), disposed at the end.
  const math = opts.grade ? undefined : createMathGrader();
  const grade = opts.grade ?? poolGrader(pool, math, codeLimits(spec));

  const workerMode = opts.worker === true;
  // Our own signal: the caller's, or (for a worker) the experiment cancelled in the database.
  const controller = new AbortController();
  const signal = controller.signal;
  setMaxListeners(0, signal); // one listener per live session (its stream, its backoff): hundreds
  const onAbort = () => controller.abort();
  if (opts.signal?.aborted) controller.abort();
  opts.signal?.addEventListener("abort", onAbort);
  const queue = workerMode ? [] : store.claimUnfinished(id, now());
  const me = workerMode ? store.joinWorker(id, concurrency, now()) : undefined;
  const writes = new WriteQueue((fn) => store.transaction(fn));
  if (workerMode) store.workerBeat(id, now(), true);
  else store.setStatus(id, "running", now());
  const started = now();
  let tokensThisRun = 0;
  let finishedThisRun = 0;
  const remainingAtStart = queue.length;

  const summary = () => {
    const elapsedSec = (now() - started) / 1000;
    const tokensPerSec = finishedThisRun > 0 && elapsedSec > 0 ? tokensThisRun / elapsedSec : null;
    const left = workerMode ? store.unfinishedCount(id) : remainingAtStart - finishedThisRun;
    const etaSec = finishedThisRun > 0 ? (elapsedSec / finishedThisRun) * left : null;
    return store.getExperiment(id, now(), { tokensPerSec, etaSec });
  };
  const report = () => opts.onProgress?.(summary());
  // This run's view of its model servers, for the page (several runners may share the experiment).
  const runner = me ?? `run:${crypto.randomUUID()}`;
  const servers = () => {
    if (isEndpointPool(provider)) store.recordEndpoints(id, runner, provider.stats(), now());
  };
  const ticker = setInterval(() => {
    if (!workerMode) store.heartbeat(id, now());
    else if (store.workerBeat(id, now()) === "cancelled") controller.abort();
    servers();
    report();
  }, 1000);

  async function runItem(item: ExperimentItem): Promise<void> {
    const key: ItemKey = { problemId: item.problemId, policy: item.policy, sample: item.sample };
    const problem = problems.get(item.problemId);
    const policy = policies.get(item.policy);
    if (!problem || !policy) {
      const outcome: ItemOutcome = { status: "failed", traceId: null, verdict: null, answer: null, tokens: 0, toolCalls: 0, hints: [], durationMs: 0, attempts: 0, error: `unknown ${problem ? "policy" : "problem"}` };
      finish(key, outcome);
      return;
    }
    store.markRunning(id, key, now());
    report();
    const config = traceConfigFor(spec, policy, item, modelConfig);
    const policyHints = policyHintsFor(policy, problem);
    let attempts = 0;
    let lastTrace: Trace | undefined;
    let lastFailure: { code: string; message: string } | undefined;
    let logprobs: SegmentLogprobs = {};
    for (;;) {
      attempts++;
      const sandbox = pool.session();
      const t0 = now();
      const bound = bindTrace(provider);
      try {
        logprobs = {};
        const into = logprobs;
        lastTrace = await runHeadless({
          traceId: crypto.randomUUID(),
          problem,
          config,
          policyHints,
          provider: bound.provider,
          sandbox,
          signal,
          now,
          ...(spec.logprobs !== undefined ? { logprobs: { top: spec.logprobs, onTokens: (segment, tokens) => void (into[segment] = (into[segment] ?? []).concat(tokens)) } } : {}),
        });
      } finally {
        await sandbox.close();
      }
      lastTrace = withServedBy(lastTrace, bound.binding);
      if (signal.aborted) {
        store.markPending(id, key, now());
        return;
      }
      lastFailure = failureOf(lastTrace);
      const durationMs = now() - t0;
      if (!lastFailure) {
        const graded = await grade(problem, lastTrace);
        // The full grader may disagree with the engine's quick verdict: the log records both, the last one wins.
        const regraded = graded.verdict !== lastTrace.verdict || graded.answer !== lastTrace.answer;
        const trace: Trace = {
          ...lastTrace,
          ...(graded.answer !== undefined ? { answer: graded.answer } : {}),
          verdict: graded.verdict,
          ...(regraded ? { events: [...lastTrace.events, { type: "answer-graded" as const, at: now(), ...(graded.answer !== undefined ? { answer: graded.answer } : {}), verdict: graded.verdict, ...(graded.reason ? { reason: graded.reason } : {}) }] } : {}),
        };
        const s = traceStats(trace);
        const outcome: ItemOutcome = { status: "done", traceId: trace.id, verdict: graded.verdict, answer: graded.answer ?? null, ...s, durationMs, attempts, error: null, grader: graded.grader ?? graderOf(problem), ...(graded.codeFailures ? { codeFailures: graded.codeFailures } : {}) };
        finish(key, outcome, trace, item.policy, logprobs);
        return;
      }
      if (!RETRYABLE.has(lastFailure.code) || attempts >= spec.retry.tries) break;
      await sleep(spec.retry.delaysMs[attempts - 1] ?? spec.retry.delaysMs.at(-1) ?? 0, signal);
      if (signal.aborted) {
        store.markPending(id, key, now());
        return;
      }
    }
    // The last failed attempt is kept as a trace too: its partial text shows where the server gave up.
    const s = traceStats(lastTrace);
    finish(key, { status: "failed", traceId: lastTrace.id, verdict: null, answer: null, ...s, durationMs: 0, attempts, error: `${lastFailure.code}: ${lastFailure.message}` }, lastTrace, item.policy, logprobs);
  }

  /** The item's trace, token probabilities and outcome, written together with other items that finished about now. */
  function finish(key: ItemKey, outcome: ItemOutcome, trace?: Trace, policy?: string, logprobs?: SegmentLogprobs) {
    const at = now();
    writes.push(() => {
      if (trace) {
        opts.traces.insert({ ...trace, dataset: exp.datasetName, tags: [`exp:${id}`, `policy:${policy}`, `exp:${id}:${policy}`] });
        for (const [segment, tokens] of Object.entries(logprobs ?? {})) opts.traces.putLogprobs(trace.id, Number(segment), tokens);
      }
      // A worker taken for dead lost the item to another: its trace is undone with the savepoint.
      if (!store.finishItem(id, key, outcome, at, me) && me) throw new DroppedWrite(`item ${key.problemId}/${key.policy}/${key.sample} was taken over`);
    });
    tokensThisRun += outcome.tokens;
    finishedThisRun++;
    opts.onItemFinished?.(key, outcome);
    report();
  }

  try {
    let next = 0;
    const slot = async () => {
      while (!signal.aborted) {
        if (!workerMode) {
          if (next >= queue.length) return;
          await runItem(queue[next++]!);
          continue;
        }
        const [item] = store.claimItems(id, 1, now());
        if (item) {
          await runItem(item);
          continue;
        }
        // Nothing to claim: done when nothing is left anywhere; else other workers hold the rest,
        // and if one of them dies its items are ours to take over.
        await writes.flush();
        if (store.unfinishedCount(id) === 0) return;
        await sleep(1000, signal);
      }
    };
    const slots = workerMode ? Math.max(1, concurrency) : Math.max(1, Math.min(concurrency, queue.length));
    await Promise.all(Array.from({ length: slots }, slot));
  } finally {
    clearInterval(ticker);
    servers(); // the final counts
    opts.signal?.removeEventListener("abort", onAbort);
    if (ownPool) await pool.dispose();
    await math?.dispose();
    await writes.close();
  }
  if (!workerMode) store.setStatus(id, signal.aborted ? "cancelled" : "finished", now());
  else {
    store.leaveWorker(id, now());
    // The last worker out marks it finished; a cancelled one stays cancelled.
    if (!signal.aborted && store.unfinishedCount(id) === 0) store.setStatus(id, "finished", now());
  }
  const final = summary();
  opts.onProgress?.(final);
  return final;
}
