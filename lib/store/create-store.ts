import { createStore } from "zustand/vanilla";
import { restoreEngine, type EngineState, type SegmentLogprobs } from "@/lib/engine";
import {
  LOCAL_CONNECTION_ID,
  PublicConnectionSchema,
  SERVER_CONNECTION_ID,
  type DownloadProgress,
  type ForkAlternative,
  type Hint,
  type LocalModelStatus,
  type ModelSettings,
  type Policy,
  type Problem,
  type ProblemKind,
  type PublicConnection,
  type Sandbox,
  type TemplateId,
  type Trace,
  type TraceConfig,
} from "@/lib/protocol";
import { fillHint, hintsForProblem, HINT_LIBRARY_VERSION } from "@/hints";
import { cancelDownload, fetchLocalStatus, localRef, streamDownload, usesLocalModel } from "./local-model";
import { SessionHost } from "./session-host";
import { TraceWriter, type SaveStatus } from "./trace-writer";
import { resumeActions } from "./resume-actions";

/**
 * The playground store: one zustand store from slices (settings, session, hints, runtime),
 * created per page by `HintlabProvider` rather than as a module global. Actions live under
 * `actions`; components read narrow slices through selector hooks.
 */

export type PauseMode = "triggers" | "end" | "both" | "never";
export type PolicyMode = "manual" | "paper" | "greedy";

export interface PublicModelConfig {
  configured: boolean;
  /** The connection used when Model settings choose none ("server" or "local"). */
  connection?: string;
  provider?: string;
  baseUrl?: string;
  model?: string;
  template?: TemplateId;
  hasApiKey?: boolean;
}

/** The local model of this session (when it runs one): on disk, downloading, or why not. */
export interface LocalModelState {
  status?: LocalModelStatus;
  progress?: DownloadProgress;
  /** The last download or status failure, with the server's code ("offline", "checksum"…). */
  error?: { code: string; message: string };
  /** Run as soon as the download finishes (Run was pressed before the model was there). */
  runWhenReady?: boolean;
}

export interface SandboxStatus {
  state: "loading" | "ready" | "failed";
  loadMs?: number;
  message?: string;
}

export interface HintlabState {
  problem: { statement: string; kind: ProblemKind; gold: string; id?: string; tests?: Problem["tests"]; starterCode?: string };
  model: ModelSettings;
  sampling: { temperature?: number; topP?: number; seed?: number; maxTokens: number };
  pauseMode: PauseMode;
  policyMode: PolicyMode;
  rounds: number;
  triggers: string[];
  maxToolCalls: number;
  toolTimeoutMs: number;
  maxOutputChars: number;
  serverConfig?: PublicModelConfig;
  /** The model connections this server offers (admins add them; the browser only names one). */
  connections: PublicConnection[];
  localModel: LocalModelState;
  engine?: EngineState;
  /** Model settings' "Token probabilities": runs ask for each token's logprob and top-5 alternatives. */
  tokenProbabilities: boolean;
  /** The run's token probabilities: segment index → its tokens (`start` within the segment's text). Empty when off. */
  logprobs: SegmentLogprobs;
  hints: Hint[];
  hintsError?: string;
  selectedHintId?: string;
  hintDraft: string;
  sandbox: SandboxStatus;
  save: SaveStatus;
  /** Id of the trace in the playground (saved on the server as it runs). */
  traceId?: string;
  /**
   * The trace asked for is being written elsewhere (another tab or user holds its lease): the
   * user chooses to take it over or to continue in a fork.
   */
  leaseConflict?: { trace: Trace; message: string };
  actions: HintlabActions;
}

export interface HintlabActions {
  setProblem(patch: Partial<HintlabState["problem"]>): void;
  loadProblem(problem: Problem): void;
  setModel(patch: Partial<ModelSettings>): void;
  setSampling(patch: Partial<HintlabState["sampling"]>): void;
  /** Takes effect from the next run (or the next reopened trace). */
  setTokenProbabilities(on: boolean): void;
  setPauseMode(mode: PauseMode): void;
  setPolicyMode(mode: PolicyMode): void;
  setRounds(rounds: number): void;
  setTriggers(triggers: string[]): void;
  setToolLimits(patch: Partial<Pick<HintlabState, "maxToolCalls" | "toolTimeoutMs" | "maxOutputChars">>): void;
  setServerConfig(config: PublicModelConfig): void;
  setConnections(connections: PublicConnection[]): void;
  /** Fetch the server's connections again (an admin may have added one since the page opened). */
  refreshConnections(): Promise<void>;
  /** Ask the server whether the session's local model is on disk. */
  refreshLocalModel(): Promise<void>;
  /** Download the session's local model (or join its download); true when it is ready. */
  downloadLocalModel(): Promise<boolean>;
  cancelLocalDownload(): void;
  setSandboxStatus(status: SandboxStatus): void;
  setHints(hints: Hint[], error?: string): void;
  selectHint(id: string): void;
  setHintDraft(text: string): void;
  run(): void;
  /**
   * Reopen a saved trace (interrupted, stopped or forked) to go on from its end: this tab
   * becomes its live writer. When another tab is writing it, `leaseConflict` is set instead.
   */
  openTrace(trace: Trace, options?: { takeOver?: boolean }): Promise<void>;
  /** Answer a lease conflict: take the trace over (the other tab stops) … */
  takeOverTrace(): Promise<void>;
  /** … or continue from its stored end in a new fork, leaving the other tab alone. */
  forkConflictingTrace(): Promise<void>;
  /** This tab lost the trace to another writer: keep what it has as a new fork (nothing is lost). */
  saveLostRunAsFork(): Promise<void>;
  /**
   * Fork this tab's trace at a token with another of the model's candidates there (the text
   * before the token, then `alternative.text`), open the fork here and go on generating.
   */
  branchFromAlternative(at: { segment: number; offset: number; alternative: ForkAlternative }): Promise<void>;
  stop(): void;
  /** The page is closing: write what is not saved yet. */
  flushOnExit(): void;
  injectHint(): void;
  continueWithoutHint(): void;
  step(): void;
}

export interface StoreDeps {
  fetch: typeof fetch;
  sandbox: () => Sandbox | undefined;
  now?: () => number;
  newId?: () => string;
}

export const DEFAULT_TRIGGERS = ["Wait", "Alternatively"];

export function manualPolicy(mode: PauseMode): Policy {
  return {
    type: "manual",
    pauseAtTriggers: mode === "triggers" || mode === "both",
    pauseAtEndOfThinking: mode === "end" || mode === "both",
  };
}

function policyFor(s: HintlabState): Policy {
  if (s.policyMode === "greedy") return { type: "greedy" };
  if (s.policyMode === "paper") return { type: "paper", rounds: s.rounds, triggerProb: 0 };
  return manualPolicy(s.pauseMode);
}

function problemOf(s: HintlabState, id: string): Problem {
  const p = s.problem;
  return {
    id: p.id ?? id,
    kind: p.kind,
    statement: p.statement,
    ...(p.gold.trim() ? { gold: p.gold.trim() } : {}),
    ...(p.tests?.length ? { tests: p.tests } : {}),
    ...(p.starterCode ? { starterCode: p.starterCode } : {}),
  };
}

/**
 * Model settings that continue a stored trace: its own connection when this server still has it
 * (older traces recorded only a base URL: the connection with that URL), else the server's default.
 */
export function resumeSettings(config: TraceConfig, connections: PublicConnection[]): ModelSettings {
  const byId = config.connection ? connections.find((c) => c.id === config.connection) : undefined;
  const byUrl = !byId && config.baseUrl ? connections.find((c) => c.baseUrl === config.baseUrl) : undefined;
  const local = config.provider === "local";
  const connection = local ? LOCAL_CONNECTION_ID : (byId ?? byUrl)?.id;
  return {
    ...(connection ? { connection } : {}),
    model: config.model,
    template: config.template,
    ...(config.provider === "scripted" ? {} : { provider: config.provider }),
  };
}

export function createHintlabStore(deps: StoreDeps) {
  const now = deps.now ?? (() => Date.now());
  const newId = deps.newId ?? (() => crypto.randomUUID());
  let host: SessionHost | undefined;
  let writer: TraceWriter | undefined;
  let downloading: Promise<boolean> | undefined;

  /** Bind a host to the store and to a writer that saves every change; the previous trace is handed back. */
  const attach = (h: SessionHost, w: TraceWriter) => {
    host?.dispose();
    writer?.dispose({ release: true });
    host = h;
    writer = w;
  };
  /** Another writer took the trace: stop generating here (nothing more can be saved), keep the text on screen. */
  const onLeaseLost = () => {
    host?.dispose();
    host = undefined;
    writer = undefined;
  };
  const writerDeps = (set: (p: Partial<HintlabState>) => void) => ({ fetch: deps.fetch, now, onStatus: (save: SaveStatus) => set({ save }), onLeaseLost });
  const onEngine = (set: (p: Partial<HintlabState>) => void) => (engine: EngineState) => {
    set({ engine });
    writer?.update(engine);
  };
  const onLogprobs = (set: (p: Partial<HintlabState>) => void) => (logprobs: SegmentLogprobs) => {
    set({ logprobs });
    writer?.setLogprobs(logprobs);
  };
  /** Host deps and the top-N to ask for, from the store's settings. */
  const hostDeps = (set: (p: Partial<HintlabState>) => void) => ({ fetch: deps.fetch, sandbox: deps.sandbox, now, onChange: onEngine(set), onLogprobs: onLogprobs(set) });
  const TOP_ALTERNATIVES = 5;

  return createStore<HintlabState>()((set, get) => {
    const hintsFor = (problem: Pick<Problem, "kind" | "tests" | "starterCode">) => hintsForProblem(get().hints, problem);

    /** Make this tab the writer of `fresh` (its lease was granted): restore its engine and go on from its end. */
    const openGranted = (fresh: Trace, lease: string) => {
      const problem = fresh.problem;
      const policyHints = hintsFor(problem).map((h) => ({ id: h.id, text: fillHint(h.text, problem) }));
      const initial = restoreEngine({ traceId: fresh.id, problem, config: fresh.config, segments: fresh.segments, events: fresh.events, policyHints });
      // The Python namespace of the original run is gone: code after this point starts fresh.
      void deps.sandbox()?.reset();
      const h = new SessionHost(hostDeps(set), {
        traceId: fresh.id,
        problem,
        config: fresh.config,
        policyHints,
        settings: resumeSettings(fresh.config, get().connections),
        initial,
        ...(get().tokenProbabilities ? { logprobs: TOP_ALTERNATIVES } : {}),
      });
      const lastIsModel = fresh.segments[fresh.segments.length - 1]?.kind === "model";
      attach(
        h,
        new TraceWriter(writerDeps(set), fresh.id, {
          segments: Math.max(0, fresh.segments.length - (lastIsModel ? 1 : 0)),
          events: fresh.events.length,
          lease,
        }),
      );
      const first = hintsFor(problem)[0];
      set({
        engine: initial,
        logprobs: {},
        traceId: fresh.id,
        problem: { statement: problem.statement, kind: problem.kind, gold: problem.gold ?? "", id: problem.id, tests: problem.tests, starterCode: problem.starterCode },
        selectedHintId: first?.id,
        hintDraft: first ? fillHint(first.text, problem) : "",
        save: { state: "saved", at: fresh.updatedAt },
      });
    };
    const resume = resumeActions({ fetch: deps.fetch, newId, get, set, openGranted });

    const actions: HintlabActions = {
      setProblem: (patch) => set((s) => ({ problem: { ...s.problem, ...patch } })),
      loadProblem: (p) =>
        set({ problem: { statement: p.statement, kind: p.kind, gold: p.gold ?? "", id: p.id, tests: p.tests, starterCode: p.starterCode } }),
      setModel: (patch) => {
        const before = get().model;
        set((s) => ({ model: { ...s.model, ...patch } }));
        const after = get().model;
        if (before.provider !== after.provider || before.model !== after.model || before.connection !== after.connection) void actions.refreshLocalModel();
      },
      setSampling: (patch) => set((s) => ({ sampling: { ...s.sampling, ...patch } })),
      setTokenProbabilities: (tokenProbabilities) => set({ tokenProbabilities }),
      setPauseMode: (mode) => {
        set({ pauseMode: mode });
        // Takes effect on the live run too: the next pause point follows the new setting.
        if (host && get().policyMode === "manual") host.dispatch({ type: "set-policy", policy: manualPolicy(mode), at: now() });
      },
      setPolicyMode: (policyMode) => set({ policyMode }),
      setRounds: (rounds) => set({ rounds }),
      setTriggers: (triggers) => set({ triggers }),
      setToolLimits: (patch) => set(patch),
      setServerConfig: (serverConfig) => {
        set({ serverConfig });
        void actions.refreshLocalModel();
      },
      setConnections: (connections) => set({ connections }),
      refreshConnections: async () => {
        try {
          const res = await deps.fetch("/api/connections");
          if (!res.ok) return;
          const body = (await res.json()) as { connections: unknown[] };
          set({ connections: body.connections.map((c) => PublicConnectionSchema.parse(c)) });
        } catch {
          // keep the list we have; Model settings still work with it
        }
      },
      refreshLocalModel: async () => {
        const s = get();
        if (!usesLocalModel(s.model, s.serverConfig?.provider)) return set({ localModel: {} });
        const ref = localRef(s.model);
        try {
          const status = await fetchLocalStatus(deps.fetch, ref);
          // The choice may have changed while the request was out.
          if (localRef(get().model) !== ref) return;
          set((st) => ({ localModel: { ...st.localModel, status, error: status.error } }));
          // A download started elsewhere (another tab, the CLI): follow its progress.
          if (status.state === "downloading" && !downloading) void actions.downloadLocalModel();
        } catch (e) {
          set((st) => ({ localModel: { ...st.localModel, error: { code: "bad-request", message: (e as Error).message } } }));
        }
      },
      downloadLocalModel: async () => {
        const ref = localRef(get().model);
        if (downloading) return downloading;
        set((st) => ({ localModel: { ...st.localModel, error: undefined, status: st.localModel.status && { ...st.localModel.status, state: "downloading" } } }));
        downloading = streamDownload(deps.fetch, ref, (frame) => {
          if (frame.type === "progress") set((st) => ({ localModel: { ...st.localModel, progress: frame.progress } }));
          else if (frame.type === "done") set((st) => ({ localModel: { ...st.localModel, status: frame.status, progress: undefined, error: undefined } }));
          else set((st) => ({ localModel: { ...st.localModel, status: frame.status ?? st.localModel.status, progress: undefined, error: { code: frame.code, message: frame.message }, runWhenReady: false } }));
        })
          .then((last) => last.type === "done")
          .catch((e: Error) => {
            set((st) => ({ localModel: { ...st.localModel, progress: undefined, error: { code: "http", message: `The download stopped: ${e.message}. Press Download to resume.` }, runWhenReady: false } }));
            return false;
          })
          .finally(() => {
            downloading = undefined;
          });
        const ready = await downloading;
        if (ready && get().localModel.runWhenReady) {
          set((st) => ({ localModel: { ...st.localModel, runWhenReady: false } }));
          actions.run();
        }
        return ready;
      },
      cancelLocalDownload: () => {
        set((st) => ({ localModel: { ...st.localModel, runWhenReady: false } }));
        void cancelDownload(deps.fetch, localRef(get().model));
      },
      setSandboxStatus: (sandbox) => set({ sandbox }),
      setHints: (hints, hintsError) => set({ hints, hintsError }),
      selectHint: (id) => {
        const hint = get().hints.find((h) => h.id === id);
        if (hint) set({ selectedHintId: id, hintDraft: fillHint(hint.text, get().problem) });
      },
      setHintDraft: (hintDraft) => set({ hintDraft }),

      run: () => {
        const s = get();
        if (!s.problem.statement.trim()) return;
        // First use of a local model: download it (with progress in the panel), then run.
        if (usesLocalModel(s.model, s.serverConfig?.provider) && s.localModel.status?.state !== "ready") {
          set((st) => ({ localModel: { ...st.localModel, runWhenReady: true } }));
          void actions.downloadLocalModel();
          return;
        }
        host?.dispose();
        const traceId = newId();
        const problem = problemOf(s, traceId);
        const connectionId = s.model.connection ?? s.serverConfig?.connection;
        const connection = s.connections.find((c) => c.id === connectionId);
        const config: TraceConfig = {
          provider: s.model.provider ?? connection?.provider ?? (s.serverConfig?.provider as TraceConfig["provider"]) ?? "openai-completions",
          ...(connectionId ? { connection: connectionId } : {}),
          baseUrl: connection?.baseUrl ?? (connectionId === SERVER_CONNECTION_ID ? s.serverConfig?.baseUrl : undefined),
          model: s.model.model ?? connection?.model ?? s.serverConfig?.model ?? "",
          template: s.model.template ?? connection?.template ?? s.serverConfig?.template ?? "qwq",
          sampling: s.sampling,
          triggers: s.triggers,
          policy: policyFor(s),
          maxToolCalls: s.maxToolCalls,
          toolTimeoutMs: s.toolTimeoutMs,
          maxOutputChars: s.maxOutputChars,
          hintLibraryVersion: HINT_LIBRARY_VERSION,
          policySeed: s.sampling.seed ?? 0,
        };
        const policyHints = hintsFor(problem).map((h) => ({ id: h.id, text: fillHint(h.text, problem) }));
        // A new trace starts with a fresh Python namespace.
        void deps.sandbox()?.reset();
        const h = new SessionHost(hostDeps(set), { traceId, problem, config, policyHints, settings: s.model, ...(s.tokenProbabilities ? { logprobs: TOP_ALTERNATIVES } : {}) });
        attach(h, new TraceWriter(writerDeps(set), traceId));
        const first = hintsFor(problem)[0];
        set({ traceId, logprobs: {}, selectedHintId: first?.id, hintDraft: first ? fillHint(first.text, problem) : "" });
        h.dispatch({ type: "start", at: now() });
      },
      openTrace: (trace, options) => resume.openTrace(trace, options),
      takeOverTrace: () => resume.takeOverTrace(),
      forkConflictingTrace: () => resume.forkConflictingTrace(),
      saveLostRunAsFork: () => resume.saveLostRunAsFork(),
      branchFromAlternative: async (at) => {
        await resume.branchFromAlternative(at);
        if (get().engine?.phase === "paused" && !get().leaseConflict) actions.continueWithoutHint();
      },
      flushOnExit: () => writer?.flushOnExit(),
      stop: () => host?.dispatch({ type: "stop", at: now() }),
      injectHint: () => {
        const s = get();
        if (!host || !s.hintDraft.trim()) return;
        // An opened fence needs its newline so the model starts on the first line of code.
        const text = /```(python|py)[ \t]*$/.test(s.hintDraft) ? `${s.hintDraft}\n` : s.hintDraft;
        host.dispatch({ type: "inject", hint: { id: s.selectedHintId ?? "custom", text }, at: now() });
      },
      continueWithoutHint: () => host?.dispatch({ type: "continue", mode: "resume", at: now() }),
      step: () => host?.dispatch({ type: "continue", mode: "step", at: now() }),
    };

    return {
      problem: { statement: "", kind: "math", gold: "" },
      model: {},
      sampling: { temperature: 0.6, topP: 0.95, maxTokens: 16384 },
      pauseMode: "both",
      policyMode: "manual",
      rounds: 1,
      triggers: DEFAULT_TRIGGERS,
      maxToolCalls: 6,
      toolTimeoutMs: 10_000,
      maxOutputChars: 4000,
      tokenProbabilities: false,
      logprobs: {},
      hints: [],
      localModel: {},
      connections: [],
      hintDraft: "",
      sandbox: { state: "loading" },
      save: { state: "idle" },
      actions,
    };
  });
}

export type HintlabStore = ReturnType<typeof createHintlabStore>;

/** Hints shown in the picker: those that fit the current problem. */
export function selectPickerHints(s: Pick<HintlabState, "hints" | "problem">): Hint[] {
  return hintsForProblem(s.hints, s.problem);
}
