import {
  appendSegmentLogprobs,
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
  type SegmentLogprobs,
  type StreamAnchor,
} from "@/lib/engine";
import { gradeResponse, runEnding } from "@/lib/grading";
import {
  GenerateFrameSchema,
  readNdjson,
  type ExecutionResult,
  type GenerateBody,
  type ModelSettings,
  type Problem,
  type Sandbox,
  type TokenLogprob,
  type TraceConfig,
} from "@/lib/protocol";
import { HINTLAB_UNREACHABLE } from "./trace-writer";

/**
 * Drives one engine in the browser: after every input it reads `selectNextAction` and performs
 * it — a streamed POST /api/generate or a sandbox execution — feeding outcomes back as inputs.
 * Framework-free so it is testable without React; the zustand store subscribes to `onChange`.
 */
/** Longest time streamed text waits before the engine (and so the page) sees it. */
const FRAME_MS = 16;

export interface SessionHostDeps {
  fetch: typeof fetch;
  sandbox: () => Sandbox | undefined;
  now: () => number;
  onChange: (state: EngineState) => void;
  /** The run's token probabilities changed (only when `logprobs` is asked for); called before onChange. */
  onLogprobs?: (logprobs: SegmentLogprobs) => void;
}

export class SessionHost {
  private state: EngineState;
  private stream?: { id: string; controller: AbortController; anchor: StreamAnchor; pending: TokenLogprob[] };
  private tokenLogprobs: SegmentLogprobs = {};
  /** Top alternatives asked for per token (0–5); undefined = no token probabilities. */
  private readonly logprobs?: number;
  private execId?: string;
  private graded = false;
  private pending?: { streamId: string; text: string; timer: ReturnType<typeof setTimeout> };

  constructor(
    private readonly deps: SessionHostDeps,
    args: { traceId: string; problem: Problem; config: TraceConfig; policyHints: ResolvedHint[]; settings: ModelSettings; initial?: EngineState; logprobs?: number },
  ) {
    this.settings = args.settings;
    this.logprobs = args.logprobs;
    this.state = args.initial ?? createEngine(args);
    // A reopened trace that already has an answer is not graded again.
    this.graded = args.initial?.verdict !== undefined;
  }

  private readonly settings: ModelSettings;

  get current(): EngineState {
    return this.state;
  }

  /** Token probabilities of this run's model segments (segment index → tokens), when asked for. */
  get currentLogprobs(): SegmentLogprobs {
    return this.tokenLogprobs;
  }

  dispatch(input: EngineInput): void {
    this.state = reduce(this.state, input);
    // Before sync(), which forgets a stream the engine has cut: its accepted tokens are kept first.
    this.placeLogprobs();
    this.sync();
    this.deps.onChange(this.state);
  }

  private placeLogprobs(): void {
    const stream = this.stream;
    if (!stream || stream.pending.length === 0) return;
    const { placed, waiting } = placeTokens(this.state.segments, stream.anchor, stream.pending);
    stream.pending = waiting;
    if (placed.length === 0) return;
    this.tokenLogprobs = appendSegmentLogprobs(this.tokenLogprobs, stream.anchor.segment, placed);
    this.deps.onLogprobs?.(this.tokenLogprobs);
  }

  /** Abort whatever is in flight (page closed, new run). */
  dispose(): void {
    this.stream?.controller.abort();
    this.stream = undefined;
    if (this.pending) clearTimeout(this.pending.timer);
    this.pending = undefined;
  }

  /**
   * Streamed text is handed to the engine at most once per frame (~16 ms), whatever the network
   * delivers: the page renders at a steady rate, so its cost per chunk does not depend on how
   * the server's writes happen to be batched into reads. setTimeout, not requestAnimationFrame,
   * so a run in a background tab keeps going.
   */
  private queueText(streamId: string, text: string): void {
    if (this.pending && this.pending.streamId === streamId) {
      this.pending.text += text;
      return;
    }
    this.flushText();
    this.pending = { streamId, text, timer: setTimeout(() => this.flushText(), FRAME_MS) };
  }

  private flushText(): void {
    const p = this.pending;
    if (!p) return;
    clearTimeout(p.timer);
    this.pending = undefined;
    this.dispatch({ type: "chunk", streamId: p.streamId, text: p.text, at: this.deps.now() });
  }

  private sync(): void {
    const action = selectNextAction(this.state);
    // Any stream the engine is no longer waiting on is aborted (pause, code block, stop).
    if (this.stream && !(action.type === "generate" && action.streamId === this.stream.id)) {
      this.stream.controller.abort();
      this.stream = undefined;
    }
    if (action.type === "generate" && !this.stream) {
      const controller = new AbortController();
      this.stream = { id: action.streamId, controller, anchor: streamAnchor(this.state.segments), pending: [] };
      const request = this.logprobs === undefined ? action.request : { ...action.request, logprobs: this.logprobs };
      void this.runStream(action.streamId, { request, settings: this.settings }, controller.signal);
    } else if (action.type === "execute" && action.execId !== this.execId) {
      this.execId = action.execId;
      void this.runExecution(action.execId, action.code);
    }
    if (isTerminal(this.state) && !this.graded && this.state.phase !== "failed") {
      this.graded = true;
      const response = selectFinalResponse(this.state);
      const graded = gradeResponse(this.state.problem, response, selectTraceText(this.state.segments), runEnding(this.state));
      queueMicrotask(() => this.dispatch({ type: "graded", answer: graded.answer, verdict: graded.verdict, at: this.deps.now() }));
    }
  }

  private async runStream(streamId: string, body: GenerateBody, signal: AbortSignal): Promise<void> {
    const fail = (code: string, message: string) =>
      this.dispatch({ type: "stream-failed", streamId, code, message, at: this.deps.now() });
    let response: Response;
    try {
      response = await this.deps.fetch("/api/generate", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal,
      });
    } catch (e) {
      if (signal.aborted) return;
      return fail(HINTLAB_UNREACHABLE, `Could not reach the hintlab server (${(e as Error).message}). The text so far is kept; press Continue when it is back.`);
    }
    if (!response.ok || !response.body) {
      const err = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
      return fail(err?.error?.code ?? "internal", err?.error?.message ?? `The hintlab server answered ${response.status}.`);
    }
    try {
      for await (const batch of readNdjson(response.body)) {
        if (signal.aborted) return;
        for (const raw of batch) {
          const frame = GenerateFrameSchema.parse(raw);
          if (frame.type === "text") {
            this.queueText(streamId, frame.text);
            continue;
          }
          if (frame.type === "logprobs") {
            if (this.logprobs !== undefined && this.stream?.id === streamId) this.stream.pending = this.stream.pending.concat(frame.tokens);
            // Text already handed to the engine: place now rather than at the next chunk.
            if (!this.pending) this.placeLogprobs();
            continue;
          }
          // The end of the stream applies after all of its text.
          this.flushText();
          if (frame.type === "done") this.dispatch({ type: "stream-ended", streamId, result: frame.result, at: this.deps.now() });
          else return fail(frame.code, frame.message);
        }
      }
      this.flushText();
      if (!signal.aborted && this.state.streamId === streamId) {
        fail(HINTLAB_UNREACHABLE, "The connection to the hintlab server was cut (it may have restarted). The text so far is kept; press Continue to retry.");
      }
    } catch (e) {
      if (signal.aborted) return;
      this.flushText();
      fail(HINTLAB_UNREACHABLE, `The connection to the hintlab server broke (${(e as Error).message}). The text so far is kept; press Continue to retry.`);
    } finally {
      if (this.stream?.id === streamId) this.stream = undefined;
    }
  }

  private async runExecution(execId: string, code: string): Promise<void> {
    const sandbox = this.deps.sandbox();
    let result: ExecutionResult;
    if (!sandbox) {
      result = { stdout: "", stderr: "", error: "The Python runtime is not available in this page.", timedOut: false, truncated: false, durationMs: 0 };
    } else {
      try {
        result = await sandbox.execute(code, {
          timeoutMs: this.state.config.toolTimeoutMs,
          maxOutputChars: this.state.config.maxOutputChars,
        });
      } catch (e) {
        result = { stdout: "", stderr: "", error: `The Python runtime failed: ${(e as Error).message}`, timedOut: false, truncated: false, durationMs: 0 };
      }
    }
    this.dispatch({ type: "executed", execId, result, at: this.deps.now() });
  }
}
