import "server-only";
import { fillHint, HINT_LIBRARY_VERSION } from "@/hints";
import type { TraceStore } from "@/lib/db";
import { forkPrefix, restoreEngine, selectTraceText, type EngineInput } from "@/lib/engine";
import { AppError, sweepTags, type ExperimentStatus, type Problem, type Trace, type TraceConfig, type TraceEvent } from "@/lib/protocol";
import { createProvider, resolveModelConfig, type Provider } from "@/lib/providers";
import { runHeadless } from "@/lib/runner/headless";
import { planSweep, remainingItems, type SweepItem } from "@/lib/sweeps";
import { createMathGrader, poolGrader } from "./grade";
import { abortableSleep, bindTrace, failureOf, RETRYABLE, withServedBy, type Grader } from "./runner";
import { SandboxPool } from "./sandbox-pool";
import { sweepSource } from "./sweep-setup";
import type { ItemCost, StoredArm, SweepRecord, SweepStore } from "./sweep-store";

/**
 * Runs a sweep's remaining items: for each, the source trace's prefix up to the item's point is
 * restored into an engine, the arm is injected (a hint, a text, or nothing), and the sample runs
 * to the end with the tool loop (greedy policy: nothing else is injected, so the arm is the only
 * difference), seeded with the item's seed, then graded against the source trace's problem.
 * Samples are stored as traces forked from the source (parentId, forkAt) and tagged with the
 * sweep, its arm and its cell. Model-server failures are retried, then the item is `failed` —
 * never a wrong answer. Aborting stops in-flight samples (they go back to pending); a resume runs
 * only what never finished: done and failed items are never run again.
 *
 * Cost: every sample sends the same prefix text byte for byte (it is the stored segments), so a
 * remote server's prefix cache can hit. On the local model all samples share one session
 * (`sweep:<id>`, one at a time) and mark the prefix as shared, so its KV cache is evaluated once
 * and only each sample's tail is evaluated again.
 */

export interface RunSweepOptions {
  store: SweepStore;
  traces: TraceStore;
  sweepId: string;
  signal?: AbortSignal;
  /** Default: from the sweep's model settings. */
  provider?: Provider;
  /** Whether the provider is the local model (one shared session, one sample at a time). Default: from the model settings. */
  local?: boolean;
  sandboxes?: SandboxPool;
  grade?: Grader;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  /** After every item state change and at least once a second while running. */
  onProgress?: (progress: ReturnType<SweepStore["progress"]>) => void;
}

/**
 * What the arm injects at the pause: a hint (its stored library text, `{testcase}` filled from the
 * problem's sample tests as the library does for every run), a text verbatim, or a plain continue.
 */
function armInput(arm: StoredArm, problem: Problem, at: number): EngineInput {
  if (arm.kind === "none" || !arm.text) return { type: "continue", mode: "resume", at };
  if (arm.kind === "text") return { type: "inject", hint: { id: arm.key, text: arm.text }, at };
  return { type: "inject", hint: { id: arm.hintId!, text: fillHint(arm.text, problem) }, at };
}

/** Counts over the events a sample added after the prefix. */
export function continuationStats(events: readonly TraceEvent[]) {
  let tokens = 0;
  let toolCalls = 0;
  let toolSuccesses = 0;
  const cost: ItemCost = { promptTokens: 0, cachedTokens: 0, completionTokens: 0 };
  for (const e of events) {
    if (e.type === "code-executed") {
      toolCalls++;
      if (!e.error && !e.timedOut) toolSuccesses++;
    }
    if (e.type === "stream-ended") {
      const completion = e.usage?.completionTokens ?? Math.ceil(e.chars / 4);
      tokens += completion;
      cost.completionTokens += completion;
      cost.promptTokens += e.usage?.promptTokens ?? 0;
      cost.cachedTokens += e.usage?.cachedTokens ?? 0;
      if (cost.prefixTokens === undefined && e.usage?.promptTokens !== undefined) cost.prefixTokens = e.usage.promptTokens;
    }
  }
  return { tokens, toolCalls, toolSuccesses, cost };
}

const addCost = (a: ItemCost, b: ItemCost): ItemCost => ({
  promptTokens: a.promptTokens + b.promptTokens,
  cachedTokens: a.cachedTokens + b.cachedTokens,
  completionTokens: a.completionTokens + b.completionTokens,
  ...(a.prefixTokens !== undefined || b.prefixTokens !== undefined ? { prefixTokens: a.prefixTokens ?? b.prefixTokens } : {}),
});

/** Run (or resume) a sweep until every item is done or failed, or the signal aborts. */
export async function runSweep(opts: RunSweepOptions): Promise<SweepRecord> {
  const { store, sweepId: id } = opts;
  const now = opts.now ?? (() => Date.now());
  const sleep = opts.sleep ?? abortableSleep;
  const sweep = store.get(id, now());
  const source = opts.traces.get(sweep.traceId);
  const plan = planSweep(sweep.spec, sweepSource(source));
  const same = plan.positions.length === sweep.plan.positions.length && plan.positions.every((p, i) => p.textOffset === sweep.plan.positions[i]!.textOffset);
  if (!same) throw new AppError("conflict", `the source trace ${sweep.traceId} changed since sweep ${id} was planned: start a new sweep`);
  const arms = new Map(sweep.plan.arms.map((a) => [a.key, a]));

  const modelConfig = opts.provider ? undefined : resolveModelConfig(sweep.run.model);
  const inner = opts.provider ?? createProvider(modelConfig!);
  const local = opts.local ?? modelConfig?.provider === "local";
  const ownPool = !opts.sandboxes;
  const pool = opts.sandboxes ?? new SandboxPool();
  const math = opts.grade ? undefined : createMathGrader();
  const grade = opts.grade ?? poolGrader(pool, math);
  // The local model keeps one KV cache per session: one session for the whole sweep, one sample at a time.
  const concurrency = local ? 1 : sweep.run.concurrency;

  const queue = remainingItems(plan, store.claim(id, now()));
  store.setStatus(id, "running", now());
  const report = () => opts.onProgress?.(store.progress(id, now()));
  const ticker = setInterval(() => {
    store.heartbeat(id, now());
    report();
  }, 1000);

  const prefixes = new Map<number, ReturnType<typeof forkPrefix>>();
  const prefixOf = (item: SweepItem) => {
    let p = prefixes.get(item.position);
    if (!p) prefixes.set(item.position, (p = forkPrefix(source.segments, source.events, item.at)));
    return p;
  };

  async function attempt(item: SweepItem, arm: StoredArm): Promise<{ trace: Trace; durationMs: number; evaluated?: number }> {
    const prefix = prefixOf(item);
    const sharedPrefix = selectTraceText(prefix.segments).length;
    const bound = local ? undefined : bindTrace(inner);
    const provider: Provider = bound ? bound.provider : { generate: (request, signal) => inner.generate({ ...request, session: `sweep:${id}`, sharedPrefix }, signal) };
    const config: TraceConfig = {
      ...source.config,
      provider: modelConfig?.provider ?? source.config.provider,
      model: modelConfig?.model ?? source.config.model,
      template: modelConfig?.template ?? source.config.template,
      policy: { type: "greedy" },
      hintLibraryVersion: HINT_LIBRARY_VERSION,
      sampling: {
        ...source.config.sampling,
        seed: item.seed,
        ...(sweep.spec.temperature !== undefined ? { temperature: sweep.spec.temperature } : {}),
      },
    };
    if (modelConfig && modelConfig.provider !== "local") config.baseUrl = modelConfig.baseUrl;
    else delete config.baseUrl;
    let state = restoreEngine({ traceId: crypto.randomUUID(), problem: source.problem, config, segments: prefix.segments, events: prefix.events });
    // The budget is for what the sample writes after the point (default: what the source trace had left).
    if (sweep.run.maxTokens !== undefined) state = { ...state, config: { ...state.config, sampling: { ...state.config.sampling, maxTokens: state.completionTokens + sweep.run.maxTokens } } };
    const sandbox = pool.session();
    const t0 = now();
    const before = inner.tokensEvaluated?.();
    try {
      // The Python namespace the prefix's programs built (variables, functions) is rebuilt first.
      for (const e of prefix.events) {
        if (e.type === "code-executed") await sandbox.execute(e.code, { timeoutMs: config.toolTimeoutMs, maxOutputChars: config.maxOutputChars });
      }
      const run = await runHeadless({ traceId: state.traceId, problem: source.problem, config: state.config, policyHints: [], provider, sandbox, signal: opts.signal, now, from: { state, input: armInput(arm, source.problem, now()) } });
      const after = inner.tokensEvaluated?.();
      const trace = withServedBy(run, bound?.binding);
      return { trace, durationMs: now() - t0, ...(before !== undefined && after !== undefined ? { evaluated: after - before } : {}) };
    } finally {
      await sandbox.close();
    }
  }

  async function runItem(item: SweepItem): Promise<void> {
    const arm = arms.get(item.arm);
    if (!arm) {
      store.finishItem(id, item.id, { status: "failed", traceId: null, outcome: null, error: `unknown arm ${item.arm}`, attempts: 0, cost: { promptTokens: 0, cachedTokens: 0, completionTokens: 0 } }, now());
      return;
    }
    store.markRunning(id, item.id, now());
    report();
    const prefixEvents = prefixOf(item).events.length;
    let attempts = 0;
    let cost: ItemCost = { promptTokens: 0, cachedTokens: 0, completionTokens: 0 };
    let evaluated: number | undefined;
    for (;;) {
      attempts++;
      const r = await attempt(item, arm);
      const stats = continuationStats(r.trace.events.slice(prefixEvents));
      cost = addCost(cost, stats.cost);
      if (r.evaluated !== undefined) evaluated = (evaluated ?? 0) + r.evaluated;
      if (opts.signal?.aborted) {
        store.markPending(id, item.id, now());
        return;
      }
      const failure = failureOf(r.trace);
      const withMeter = { ...cost, ...(evaluated !== undefined ? { tokensEvaluated: evaluated } : {}) };
      if (!failure) {
        const graded = await grade(source.problem, r.trace);
        const regraded = graded.verdict !== r.trace.verdict || graded.answer !== r.trace.answer;
        const trace: Trace = {
          ...r.trace,
          ...(graded.answer !== undefined ? { answer: graded.answer } : {}),
          verdict: graded.verdict,
          ...(regraded ? { events: [...r.trace.events, { type: "answer-graded" as const, at: now(), ...(graded.answer !== undefined ? { answer: graded.answer } : {}), verdict: graded.verdict, ...(graded.reason ? { reason: graded.reason } : {}) }] } : {}),
        };
        save(trace, item);
        const correct = graded.verdict === "correct" ? true : graded.verdict === "incorrect" ? false : undefined;
        const outcome = {
          itemId: item.id,
          arm: item.arm,
          position: item.position,
          sample: item.sample,
          ...(correct !== undefined ? { correct } : {}),
          ledToCode: stats.toolCalls > 0,
          toolCalls: stats.toolCalls,
          toolSuccesses: stats.toolSuccesses,
          tokens: stats.tokens,
          durationMs: r.durationMs,
        };
        store.finishItem(id, item.id, { status: "done", traceId: trace.id, outcome, error: null, attempts, cost: withMeter }, now());
        report();
        return;
      }
      if (!RETRYABLE.has(failure.code) || attempts >= sweep.run.retry.tries) {
        // The last failed attempt is kept as a trace: its partial text shows where the server gave up.
        save(r.trace, item);
        store.finishItem(id, item.id, { status: "failed", traceId: r.trace.id, outcome: null, error: `${failure.code}: ${failure.message}`, attempts, cost: withMeter }, now());
        report();
        return;
      }
      await sleep(sweep.run.retry.delaysMs[attempts - 1] ?? sweep.run.retry.delaysMs.at(-1) ?? 0, opts.signal);
      if (opts.signal?.aborted) {
        store.markPending(id, item.id, now());
        return;
      }
    }
  }

  function save(trace: Trace, item: SweepItem) {
    opts.traces.create({
      ...trace,
      parentId: source.id,
      forkAt: { segment: item.at.segment, offset: item.at.offset },
      ...(source.dataset ? { dataset: source.dataset } : {}),
      tags: sweepTags(id, item.arm, item.position),
    });
  }

  let status: ExperimentStatus = "finished";
  try {
    let next = 0;
    const worker = async () => {
      while (!opts.signal?.aborted && next < queue.length) await runItem(queue[next++]!);
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, queue.length)) }, worker));
    if (opts.signal?.aborted) status = "cancelled";
  } catch (e) {
    status = "interrupted";
    throw e;
  } finally {
    clearInterval(ticker);
    store.setStatus(id, status, now());
    report();
    if (ownPool) await pool.dispose();
    await math?.dispose();
  }
  return store.get(id, now());
}
