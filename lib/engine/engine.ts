import { BUDGET_END_HINT_ID, BUDGET_HINT_ID } from "@/lib/protocol";
import type {
  ExecutionResult,
  GenerateResult,
  PauseReason,
  Problem,
  Segment,
  TraceConfig,
  TraceEvent,
  Verdict,
} from "@/lib/protocol";
import { nextRandom } from "./rng";
import { compileTriggers, isWordChar, scanNext, type ScanHit, type TriggerMatcher } from "./scan";
import { getTemplate, renderUserMessage } from "./templates";

/**
 * The Hint-infer state machine: `(state, input) => state`. It never does I/O; the host reads
 * `selectNextAction` and performs it (stream from a provider, run code in a sandbox), then feeds
 * the outcome back as inputs. Inputs carry their own timestamp (`at`), and ids are counters in the
 * state, so replaying the same inputs gives the same trace.
 */

export type Phase = "idle" | "generating" | "paused" | "executing" | "finished" | "stopped" | "failed";

/** A hint as the engine injects it: `{testcase}` already filled. */
export interface ResolvedHint {
  id: string;
  text: string;
}

export interface PauseState {
  reason: PauseReason;
  /** The trigger word (or the end-of-thinking marker) that was cut and not yet written. */
  word: string;
  /** Offset in the trace text where the pause happened. */
  offset: number;
}

export interface EngineState {
  traceId: string;
  problem: Problem;
  config: TraceConfig;
  /** Hints the paper policy may draw from (already filtered by problem kind and filled). */
  policyHints: ResolvedHint[];
  phase: Phase;
  segments: Segment[];
  events: TraceEvent[];
  /** Id of the stream the engine is waiting on; the host aborts any other. */
  streamId?: string;
  streamStartedAt?: number;
  streamChars: number;
  /** Id of the execution the engine is waiting on. */
  execId?: string;
  pendingCode?: string;
  /** Model text received but not yet committed: it could still become a trigger or fence. */
  held: string;
  inCode: boolean;
  /** Offset of the first code character inside the current run of model text (see currentModelText). */
  codeStart: number;
  thinkingClosed: boolean;
  pause?: PauseState;
  /** Set by a "step" resume: pause at the next pause point of any kind. */
  stepping: boolean;
  /** Manual pause switches can be changed by the user during a run. */
  rounds: number;
  toolCalls: number;
  completionTokens: number;
  /**
   * Completion tokens of the streams that began while thinking was open (the budget policy's
   * unit): the server's usage, else ~4 characters per token, and at least 1 for a stream that
   * ended at the end-of-thinking marker (the marker itself was generated).
   */
  thinkingTokens: number;
  /** Whether the current stream began inside the thinking (its tokens count as thinking tokens). */
  streamInThinking: boolean;
  rng: number;
  counter: number;
  answer?: string;
  verdict?: Verdict;
  error?: { code: string; message: string };
}

export type EngineInput =
  | { type: "start"; at: number }
  | { type: "chunk"; streamId: string; text: string; at: number }
  | { type: "stream-ended"; streamId: string; result: GenerateResult; at: number }
  | { type: "stream-failed"; streamId: string; code: string; message: string; at: number }
  | { type: "inject"; hint: ResolvedHint; at: number }
  | { type: "continue"; mode: "resume" | "step"; at: number }
  | { type: "stop"; at: number }
  | { type: "executed"; execId: string; result: ExecutionResult; at: number }
  | { type: "graded"; answer?: string; verdict: Verdict; at: number }
  | { type: "set-policy"; policy: TraceConfig["policy"]; at: number };

export function createEngine(args: {
  traceId: string;
  problem: Problem;
  config: TraceConfig;
  policyHints?: ResolvedHint[];
}): EngineState {
  return {
    traceId: args.traceId,
    problem: args.problem,
    config: args.config,
    policyHints: args.policyHints ?? [],
    phase: "idle",
    segments: [],
    events: [],
    streamChars: 0,
    held: "",
    inCode: false,
    codeStart: 0,
    thinkingClosed: false,
    stepping: false,
    rounds: 0,
    toolCalls: 0,
    completionTokens: 0,
    thinkingTokens: 0,
    streamInThinking: false,
    rng: args.config.policySeed | 0,
    counter: 0,
  };
}

const matcherCache = new WeakMap<readonly string[], TriggerMatcher>();
function matcherFor(config: TraceConfig): TriggerMatcher {
  let m = matcherCache.get(config.triggers);
  if (!m) matcherCache.set(config.triggers, (m = compileTriggers(config.triggers)));
  return m;
}

export function traceTextLength(segments: readonly Segment[]): number {
  let n = 0;
  for (const s of segments) n += s.text.length;
  return n;
}

/** Would the policy pause (or let the policy decide) at this kind of pause point? */
export function pausesAt(state: EngineState, reason: PauseReason): boolean {
  const { policy } = state.config;
  if (state.stepping) return true;
  switch (policy.type) {
    case "manual":
      return reason === "trigger" ? policy.pauseAtTriggers : policy.pauseAtEndOfThinking;
    case "greedy":
      return false;
    case "paper":
      return reason === "trigger" ? policy.triggerProb > 0 : state.rounds < policy.rounds;
    case "budget":
      return reason === "end-of-thinking" && thinkingTokensSoFar(state) < policy.minThinking;
  }
}

/**
 * Thinking tokens counted so far, the current stream included: mid-stream (a server that ignored
 * the marker as a stop string) its tokens are not reported yet, so they are estimated from its
 * characters like any stream without usage.
 */
export function thinkingTokensSoFar(state: EngineState): number {
  const inFlight = state.streamId && state.streamInThinking ? Math.ceil(state.streamChars / 4) : 0;
  return state.thinkingTokens + inFlight;
}

/** Thinking tokens the budget policy still allows (undefined: no cap, or thinking is over). */
export function thinkingTokensLeft(state: EngineState): number | undefined {
  const { policy } = state.config;
  if (policy.type !== "budget" || policy.maxThinking === undefined || state.thinkingClosed) return undefined;
  return Math.max(0, policy.maxThinking - state.thinkingTokens);
}

export function reduce(state: EngineState, input: EngineInput): EngineState {
  switch (input.type) {
    case "start":
      return start(state, input.at);
    case "chunk":
      if (input.streamId !== state.streamId || state.phase !== "generating") return state;
      return consume(state, input.text, input.at, false);
    case "stream-ended":
      if (input.streamId !== state.streamId || state.phase !== "generating") return state;
      return endStream(state, input.result, input.at);
    case "stream-failed":
      if (input.streamId !== state.streamId || state.phase !== "generating") return state;
      return fail(flushHeld(state), input.code, input.message, input.at);
    case "inject":
      if (state.phase !== "paused" || !state.pause) return state;
      return inject(state, input.hint, "user", input.at);
    case "continue":
      return resume(state, input.mode, input.at);
    case "stop":
      return stop(state, input.at);
    case "executed":
      if (state.phase !== "executing" || input.execId !== state.execId) return state;
      return executed(state, input.result, input.at);
    case "graded":
      return {
        ...state,
        answer: input.answer,
        verdict: input.verdict,
        events: [...state.events, { type: "answer-graded", at: input.at, answer: input.answer, verdict: input.verdict }],
      };
    case "set-policy":
      return { ...state, config: { ...state.config, policy: input.policy } };
  }
}

function nextId(state: EngineState, prefix: string): [string, EngineState] {
  const counter = state.counter + 1;
  return [`${prefix}${counter}`, { ...state, counter }];
}

function start(state: EngineState, at: number): EngineState {
  if (state.phase !== "idle") return state;
  const template = getTemplate(state.config.template);
  const prompt = template.render(renderUserMessage(state.problem, state.config.template));
  let s: EngineState = { ...state, events: [...state.events, { type: "run-started", at }] };
  const [segId, withId] = nextId(s, "seg-");
  s = withId;
  s = { ...s, segments: [{ id: segId, kind: "prompt", text: prompt }] };
  return beginStream(s, at);
}

/** Open a new stream: the host sees a new `streamId` and starts `generate`. */
function beginStream(state: EngineState, at: number): EngineState {
  const remaining = state.config.sampling.maxTokens - state.completionTokens;
  if (remaining <= 0) return finish(state, "length", at);
  let s = thinkingTokensLeft(state) === 0 ? forceEndOfThinking(state, at) : state;
  const [streamId, withId] = nextId(s, "stream-");
  s = withId;
  return {
    ...s,
    phase: "generating",
    streamId,
    streamStartedAt: at,
    streamChars: 0,
    streamInThinking: !s.thinkingClosed,
    pause: undefined,
    error: undefined,
    events: [...s.events, { type: "stream-started", at, streamId, promptChars: traceTextLength(s.segments) }],
  };
}

/**
 * The budget policy's maximum is reached while thinking: append the end-of-thinking marker as a
 * hint segment (the model did not write it, so it is not trained on) and go on to the answer.
 * Requests ask for at most the thinking tokens left, so this happens right after a stream that
 * stopped on "length" at exactly the maximum.
 */
function forceEndOfThinking(state: EngineState, at: number): EngineState {
  const marker = getTemplate(state.config.template).endOfThinking;
  if (!marker) return { ...state, thinkingClosed: true };
  const s = flushHeld(state);
  const offset = traceTextLength(s.segments);
  const [segId, withId] = nextId(s, "seg-");
  return {
    ...withId,
    segments: [...withId.segments, { id: segId, kind: "hint", text: marker, hintId: BUDGET_END_HINT_ID, reason: "thinking-budget" }],
    thinkingClosed: true,
    inCode: false,
    codeStart: 0,
    events: [...withId.events, { type: "hint-injected", at, hintId: BUDGET_END_HINT_ID, reason: "thinking-budget", offset, decidedBy: "policy" }],
  };
}

/** Append text to the current model segment, opening one if the last segment is not model text. */
/**
 * The last character of segments built by appendModel, known without reading their text. A
 * model segment grows by concatenation, which V8 keeps as a rope; indexing a rope flattens it (a
 * full copy), so reading its last character on every chunk made a long trace quadratic (a 370 k
 * character trace: 25 s of CPU, see bench/engine-chunks.mjs). Keyed by the segment object, which
 * the engine never mutates: any other way of making a segment misses the cache and reads the text.
 */
const lastCharOf = new WeakMap<Segment, string>();

function appendModel(state: EngineState, text: string): EngineState {
  if (!text) return state;
  const last = state.segments[state.segments.length - 1];
  const tail = text[text.length - 1]!;
  if (last && last.kind === "model") {
    const segments = state.segments.slice();
    const grown: Segment = { ...last, text: last.text + text };
    lastCharOf.set(grown, tail);
    segments[segments.length - 1] = grown;
    return { ...state, segments };
  }
  const [id, s] = nextId(state, "seg-");
  const seg: Segment = { id, kind: "model", text };
  lastCharOf.set(seg, tail);
  return { ...s, segments: [...s.segments, seg] };
}

/**
 * Text the model goes on from as its own: what it wrote, and a person's correction of it (the
 * stored `edit` segments of a fork continued from an edit, which new model text follows).
 */
export function isModelText(kind: Segment["kind"]): boolean {
  return kind === "model" || kind === "edit";
}

/** The trailing run of model text (model and edit segments): where the current code block is. */
function currentModelText(state: EngineState): string {
  let text = "";
  for (let i = state.segments.length - 1; i >= 0 && isModelText(state.segments[i]!.kind); i--) text = state.segments[i]!.text + text;
  return text;
}

function lastChar(state: EngineState): string {
  for (let i = state.segments.length - 1; i >= 0; i--) {
    const seg = state.segments[i]!;
    const known = lastCharOf.get(seg);
    if (known !== undefined) return known;
    const t = seg.text;
    if (t.length) return t[t.length - 1]!;
  }
  return "";
}

function scanMode(state: EngineState) {
  const marker = getTemplate(state.config.template).endOfThinking;
  const thinking = !state.thinkingClosed;
  return {
    inCode: state.inCode,
    triggers: thinking ? matcherFor(state.config) : null,
    marker: thinking ? marker : null,
  };
}

/** Feed new model text through the scanner, acting on every pause point it finds. */
function consume(state: EngineState, text: string, at: number, final: boolean): EngineState {
  let s: EngineState = { ...state, streamChars: state.streamChars + text.length };
  const buf = s.held + text;
  let pos = 0;
  for (;;) {
    const prev = pos === 0 ? lastChar(s) : buf[pos - 1]!;
    const r = scanNext(prev, buf.slice(pos), 0, scanMode(s), final);
    if (!r.hit) {
      s = appendModel(s, buf.slice(pos, pos + r.safe));
      return { ...s, held: buf.slice(pos + r.safe) };
    }
    const hit = shift(r.hit, pos);
    s = appendModel({ ...s, held: "" }, buf.slice(pos, hit.index));
    const outcome = onHit(s, hit, buf, at);
    s = outcome.state;
    if (outcome.cut) return s;
    pos = hit.end;
  }
}

function shift(hit: ScanHit, by: number): ScanHit {
  return { ...hit, index: hit.index + by, end: hit.end + by };
}

/** React to one pause point. `cut` means the rest of the stream is discarded. */
function onHit(state: EngineState, hit: ScanHit, buf: string, at: number): { state: EngineState; cut: boolean } {
  const offset = traceTextLength(state.segments);
  switch (hit.kind) {
    case "trigger": {
      let s: EngineState = {
        ...state,
        events: [...state.events, { type: "trigger-seen", at, word: hit.word, offset }],
      };
      const decision = decidePause(s, "trigger");
      s = decision.state;
      if (!decision.pause) return { state: appendModel(s, hit.word), cut: false };
      return { state: pauseAt(s, "trigger", hit.word, offset, at), cut: true };
    }
    case "marker": {
      const decision = decidePause(state, "end-of-thinking");
      if (!decision.pause) return { state: { ...appendModel(decision.state, buf.slice(hit.index, hit.end)), thinkingClosed: true }, cut: false };
      return { state: pauseAt(decision.state, "end-of-thinking", buf.slice(hit.index, hit.end), offset, at), cut: true };
    }
    case "code-open": {
      const s = appendModel(state, buf.slice(hit.index, hit.end));
      return { state: { ...s, inCode: true, codeStart: currentModelText(s).length }, cut: false };
    }
    case "code-close": {
      const s = appendModel(state, buf.slice(hit.index, hit.end));
      const code = currentModelText(state).slice(state.codeStart);
      return { state: codeComplete(s, code, at), cut: true };
    }
  }
}

/** Policy decision at a pause point. The paper policy's coin flip is drawn from the seeded rng. */
function decidePause(state: EngineState, reason: PauseReason): { state: EngineState; pause: boolean } {
  if (!pausesAt(state, reason)) return { state, pause: false };
  const { policy } = state.config;
  if (policy.type === "paper" && reason === "trigger" && !state.stepping) {
    const r = nextRandom(state.rng);
    return { state: { ...state, rng: r.state }, pause: r.value < policy.triggerProb };
  }
  return { state, pause: true };
}

function pauseAt(state: EngineState, reason: PauseReason, word: string, offset: number, at: number): EngineState {
  let s: EngineState = {
    ...state,
    phase: "paused",
    streamId: undefined,
    held: "",
    stepping: false,
    pause: { reason, word, offset },
    events: [...state.events, { type: "paused", at, reason, word, offset }],
  };
  s = closeStream(s, state, { finishReason: "stop", matchedStop: word }, at);
  // Automatic policies decide at once; only `manual` (or a step) waits for the user.
  const { policy } = state.config;
  if (policy.type === "budget" && !state.stepping) {
    // s1: the model tried to stop thinking before the minimum; the marker stays cut and the word goes in.
    return inject(s, { id: BUDGET_HINT_ID, text: policy.word }, "policy", at);
  }
  if (policy.type === "paper" && !state.stepping) {
    const box = { state: s };
    const hint = choosePolicyHint(box);
    if (hint) return inject(box.state, hint, "policy", at);
    return resume(box.state, "resume", at);
  }
  return s;
}

function choosePolicyHint(s: { state: EngineState }): ResolvedHint | undefined {
  const { policy } = s.state.config;
  const hints = s.state.policyHints;
  if (policy.type !== "paper" || hints.length === 0) return undefined;
  if (policy.hintId) return hints.find((h) => h.id === policy.hintId) ?? hints[0];
  const r = nextRandom(s.state.rng);
  s.state = { ...s.state, rng: r.state };
  return hints[Math.floor(r.value * hints.length)];
}

/**
 * Record the end of the current stream (natural, or cut by the engine at a pause point) and
 * count its tokens: the server's usage when reported, else ~4 characters per token so the
 * trace's token budget still runs out on servers that report nothing.
 */
function closeStream(s: EngineState, streamState: EngineState, result: GenerateResult, at: number): EngineState {
  if (!streamState.streamId) return s;
  const tokens = result.usage?.completionTokens ?? Math.ceil(streamState.streamChars / 4);
  const marker = getTemplate(s.config.template).endOfThinking;
  // A stream cut at the marker generated at least the marker, even when nothing else came
  // through: counting it keeps the budget policy's "Wait" rounds moving towards the minimum.
  const thinking = streamState.streamInThinking ? (marker !== null && result.matchedStop === marker ? Math.max(1, tokens) : tokens) : 0;
  return {
      ...s,
      completionTokens: s.completionTokens + tokens,
      thinkingTokens: s.thinkingTokens + thinking,
      events: [
        ...s.events,
        {
          type: "stream-ended",
          at,
          streamId: streamState.streamId,
          finishReason: result.finishReason,
          matchedStop: result.matchedStop,
          usage: result.usage,
          chars: streamState.streamChars,
          durationMs: at - (streamState.streamStartedAt ?? at),
        },
      ],
  };
}

function inject(state: EngineState, hint: ResolvedHint, decidedBy: "user" | "policy", at: number): EngineState {
  const pause = state.pause!;
  let s = state;
  const [segId, withId] = nextId(s, "seg-");
  s = withId;
  const isRound = pause.reason === "end-of-thinking";
  const segment: Segment = {
    id: segId,
    kind: "hint",
    text: hint.text,
    hintId: hint.id,
    reason: pause.reason,
    ...(pause.reason === "trigger" ? { trigger: pause.word } : {}),
  };
  s = {
    ...s,
    segments: [...s.segments, segment],
    rounds: isRound ? s.rounds + 1 : s.rounds,
    // A hint that ends in an opened fence puts the model straight into a code block.
    inCode: /```(python|py)[ \t]*\n$/.test(hint.text),
    codeStart: 0,
    events: [
      ...s.events,
      {
        type: "hint-injected",
        at,
        hintId: hint.id,
        reason: pause.reason,
        offset: pause.offset,
        decidedBy,
        ...(isRound ? { round: s.rounds + 1 } : {}),
      },
    ],
  };
  return beginStream(s, at);
}

function resume(state: EngineState, mode: "resume" | "step", at: number): EngineState {
  if (state.phase === "failed" || state.phase === "stopped") {
    // Retry after a model-server error, or resume a stopped/interrupted/forked trace: continue
    // from the text kept so far.
    return beginStream({ ...state, events: [...state.events, { type: "resumed", at, withHint: false }] }, at);
  }
  if (state.phase !== "paused" || !state.pause) return state;
  const { word, reason } = state.pause;
  // The cut pause point is model text: write it back, then go on.
  let s = appendModel(state, word);
  if (reason === "end-of-thinking") s = { ...s, thinkingClosed: true };
  s = { ...s, stepping: mode === "step", events: [...s.events, { type: "resumed", at, withHint: false }] };
  return beginStream(s, at);
}

function endStream(state: EngineState, result: GenerateResult, at: number): EngineState {
  let s = consume(state, "", at, true);
  if (s.phase !== "generating" || s.streamId !== state.streamId) return s;
  s = { ...closeStream(s, s, result, at), streamId: undefined };

  if (result.finishReason === "stop" && result.matchedStop) {
    return onMatchedStop(s, result.matchedStop, at);
  }
  if (result.finishReason === "length") {
    // Per-request max_tokens is the remaining budget, so "length" means the trace's budget is spent
    // unless the server counted fewer tokens than we estimated; beginStream re-checks.
    return beginStreamOrFinish(s, at);
  }
  if (result.finishReason === "abort") return s;
  return finish(s, "eos", at);
}

function beginStreamOrFinish(s: EngineState, at: number): EngineState {
  if (s.config.sampling.maxTokens - s.completionTokens <= 0) return finish(s, "length", at);
  return beginStream(s, at);
}

/** The server honoured a stop string; the string itself was not sent to us. */
function onMatchedStop(s: EngineState, stop: string, at: number): EngineState {
  const marker = getTemplate(s.config.template).endOfThinking;
  const offset = traceTextLength(s.segments);
  if (s.inCode && stop.startsWith("```")) {
    // "```output" right after the code: the block is complete.
    const code = currentModelText(s).slice(s.codeStart);
    return codeComplete(s, code, at);
  }
  if (!s.inCode && !s.thinkingClosed && marker && stop === marker) {
    const d = decidePause(s, "end-of-thinking");
    if (d.pause) return pauseAt({ ...d.state, streamId: undefined }, "end-of-thinking", stop, offset, at);
    return beginStreamOrFinish({ ...appendModel(d.state, stop), thinkingClosed: true }, at);
  }
  const matcher = matcherFor(s.config);
  if (!s.inCode && !s.thinkingClosed && matcher.phrases.includes(stop)) {
    const prevOk = !isWordChar(stop[0]) || !isWordChar(lastChar(s));
    if (prevOk) {
      let t: EngineState = { ...s, events: [...s.events, { type: "trigger-seen", at, word: stop, offset }] };
      const d = decidePause(t, "trigger");
      t = d.state;
      if (d.pause) return pauseAt(t, "trigger", stop, offset, at);
      return beginStreamOrFinish(appendModel(t, stop), at);
    }
  }
  // A stop string that is not a pause point here (e.g. "Wait" inside code): it is model text.
  return beginStreamOrFinish(appendModel(s, stop), at);
}

function codeComplete(state: EngineState, code: string, at: number): EngineState {
  let s: EngineState = { ...state, streamId: undefined, held: "", inCode: false };
  s = closeStream(s, state, { finishReason: "stop", matchedStop: "```" }, at);
  if (s.toolCalls >= s.config.maxToolCalls) {
    const note = `Tool call limit reached: at most ${s.config.maxToolCalls} code executions per trace, so this block was not run.`;
    s = appendToolOutput(s, note);
    s = { ...s, events: [...s.events, { type: "code-skipped", at, reason: "max-tool-calls" }] };
    return beginStreamOrFinish(s, at);
  }
  const [execId, withId] = nextId(s, "exec-");
  s = withId;
  return { ...s, phase: "executing", execId, pendingCode: code, toolCalls: s.toolCalls + 1 };
}

/** Tool output as the model sees it: a ```output block, closing the model's fence if it did not. */
function appendToolOutput(state: EngineState, body: string): EngineState {
  const model = currentModelText(state);
  const prefix = model.endsWith("```\n") ? "" : model.endsWith("```") ? "\n" : "```\n";
  const [id, s] = nextId(state, "seg-");
  const text = `${prefix}\`\`\`output\n${body}${body.endsWith("\n") || body === "" ? "" : "\n"}\`\`\`\n`;
  return { ...s, segments: [...s.segments, { id, kind: "tool_output", text }] };
}

/** What the model reads back from one execution: stdout, then stderr, then the error. */
export function formatToolOutput(result: ExecutionResult): string {
  const parts = [result.stdout, result.stderr, result.error ?? ""].filter((p) => p.length > 0);
  return parts.map((p) => (p.endsWith("\n") ? p : p + "\n")).join("").replace(/\n$/, "");
}

function executed(state: EngineState, result: ExecutionResult, at: number): EngineState {
  let s: EngineState = {
    ...state,
    execId: undefined,
    pendingCode: undefined,
    events: [
      ...state.events,
      {
        type: "code-executed",
        at,
        code: state.pendingCode ?? "",
        stdout: result.stdout,
        stderr: result.stderr,
        error: result.error,
        timedOut: result.timedOut,
        truncated: result.truncated,
        durationMs: result.durationMs,
      },
    ],
  };
  s = appendToolOutput(s, formatToolOutput(result));
  return beginStreamOrFinish(s, at);
}

/** Commit held-back text (the stream is over and nothing more can complete a match). */
function flushHeld(state: EngineState): EngineState {
  if (!state.held) return state;
  return { ...appendModel(state, state.held), held: "" };
}

function finish(state: EngineState, reason: "eos" | "length", at: number): EngineState {
  const s = flushHeld(state);
  return {
    ...s,
    phase: "finished",
    streamId: undefined,
    events: [...s.events, { type: "run-finished", at, reason }],
  };
}

function stop(state: EngineState, at: number): EngineState {
  if (state.phase === "finished" || state.phase === "stopped" || state.phase === "idle") return state;
  let s = flushHeld(state);
  s = closeStream(s, state, { finishReason: "abort" }, at);
  return {
    ...s,
    phase: "stopped",
    streamId: undefined,
    execId: undefined,
    pendingCode: undefined,
    pause: undefined,
    events: [...s.events, { type: "run-finished", at, reason: "stopped" }],
  };
}

function fail(state: EngineState, code: string, message: string, at: number): EngineState {
  const s = closeStream(state, state, { finishReason: "abort" }, at);
  return {
    ...s,
    phase: "failed",
    streamId: undefined,
    error: { code, message },
    events: [...s.events, { type: "error", at, code, message }, { type: "run-finished", at, reason: "failed" }],
  };
}
