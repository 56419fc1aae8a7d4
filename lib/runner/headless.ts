import {
  createEngine,
  placeTokens,
  streamAnchor,
  isTerminal,
  reduce,
  selectFinalResponse,
  selectNextAction,
  selectTraceText,
  type EngineInput,
  type EngineState,
  type ResolvedHint,
} from "@/lib/engine";
import { gradeResponse, runEnding } from "@/lib/grading";
import type { ExecutionResult, Problem, Sandbox, TokenLogprob, Trace, TraceConfig } from "@/lib/protocol";
import type { Provider } from "@/lib/providers";
import { isModelError } from "@/lib/providers";

/**
 * Runs one Hint-infer session to the end without a browser: the same engine, with a provider
 * called directly and Python in an isolated sandbox. Used by `hintlab infer` and the
 * experiment runner. Only automatic policies make sense here (greedy, paper).
 */
export interface HeadlessOptions {
  traceId: string;
  problem: Problem;
  config: TraceConfig;
  policyHints: ResolvedHint[];
  provider: Provider;
  sandbox: Sandbox;
  now?: () => number;
  signal?: AbortSignal;
  onProgress?: (state: EngineState, input: EngineInput) => void;
  /**
   * Token probabilities: ask for `top` alternatives per token and hand each model segment's
   * accepted tokens (`start` within the segment's text) to `onTokens`, in order, as they land.
   */
  logprobs?: { top: number; onTokens: (segment: number, tokens: TokenLogprob[]) => void };
  /**
   * Continue a restored engine (`restoreEngine`, paused) with this first input — a hint to
   * inject or `continue` — instead of starting from the problem: a sweep's samples.
   */
  from?: { state: EngineState; input: EngineInput };
}

export async function runHeadless(opts: HeadlessOptions): Promise<Trace> {
  const now = opts.now ?? (() => Date.now());
  let state = opts.from?.state ?? createEngine({ traceId: opts.traceId, problem: opts.problem, config: opts.config, policyHints: opts.policyHints });
  const apply = (input: EngineInput) => {
    state = reduce(state, input);
    opts.onProgress?.(state, input);
  };
  await opts.sandbox.reset();
  apply(opts.from?.input ?? { type: "start", at: now() });

  while (!isTerminal(state)) {
    if (opts.signal?.aborted) {
      apply({ type: "stop", at: now() });
      break;
    }
    const action = selectNextAction(state);
    if (action.type === "generate") {
      await streamOnce(action.streamId, action.request);
    } else if (action.type === "execute") {
      let result: ExecutionResult;
      try {
        result = await opts.sandbox.execute(action.code, { timeoutMs: state.config.toolTimeoutMs, maxOutputChars: state.config.maxOutputChars });
      } catch (e) {
        result = { stdout: "", stderr: "", error: `sandbox failure: ${(e as Error).message}`, timedOut: false, truncated: false, durationMs: 0 };
      }
      apply({ type: "executed", execId: action.execId, result, at: now() });
    } else {
      // A manual pause cannot be answered without a user: continue without a hint.
      if (action.type === "await-user") apply({ type: "continue", mode: "resume", at: now() });
      else break;
    }
  }

  if (state.phase !== "failed") {
    const graded = gradeResponse(state.problem, selectFinalResponse(state), selectTraceText(state.segments), runEnding(state));
    apply({ type: "graded", answer: graded.answer, verdict: graded.verdict, at: now() });
  }
  return toTrace(state, now());

  async function streamOnce(streamId: string, request: Parameters<Provider["generate"]>[0]): Promise<void> {
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    opts.signal?.addEventListener("abort", onAbort);
    const logprobs = opts.logprobs;
    const anchor = streamAnchor(state.segments);
    let pending: TokenLogprob[] = [];
    const place = () => {
      if (!logprobs || pending.length === 0) return;
      const { placed, waiting } = placeTokens(state.segments, anchor, pending);
      pending = waiting;
      if (placed.length) logprobs.onTokens(anchor.segment, placed);
    };
    try {
      const gen = logprobs
        ? opts.provider.generate({ ...request, logprobs: logprobs.top }, controller.signal, (tokens) => void (pending = pending.concat(tokens)))
        : opts.provider.generate(request, controller.signal);
      for (;;) {
        const next = await gen.next();
        if (next.done) {
          apply({ type: "stream-ended", streamId, result: next.value, at: now() });
          place();
          return;
        }
        apply({ type: "chunk", streamId, text: next.value, at: now() });
        place();
        // The engine cut the stream (pause point, code block): stop reading and abort upstream.
        if (state.streamId !== streamId) {
          controller.abort();
          await gen.return?.(undefined as never).catch(() => undefined);
          return;
        }
      }
    } catch (e) {
      if (controller.signal.aborted && state.streamId !== streamId) return;
      const code = isModelError(e) ? e.code : "internal";
      apply({ type: "stream-failed", streamId, code, message: (e as Error).message, at: now() });
    } finally {
      opts.signal?.removeEventListener("abort", onAbort);
    }
  }
}

/** The DESIGN data model's Trace from an engine state. */
export function toTrace(state: EngineState, at: number): Trace {
  const createdAt = state.events[0]?.at ?? at;
  return {
    id: state.traceId,
    problem: state.problem,
    config: state.config,
    segments: state.segments,
    events: state.events,
    status: state.phase === "idle" ? "idle" : state.phase,
    ...(state.answer !== undefined ? { answer: state.answer } : {}),
    ...(state.verdict ? { verdict: state.verdict } : {}),
    version: 1,
    createdAt,
    updatedAt: at,
  };
}
