import type { EngineState, SegmentLogprobs } from "@/lib/engine";
import type { CreateTraceBody, LiveAppendBody, LiveLogprobs, TraceStatus } from "@/lib/protocol";

/**
 * Saves a live trace as it happens: the trace is created when the run starts; finished segments
 * and new events are sent at once; the text still streaming at most every `textIntervalMs`; and a
 * heartbeat while the tab holds the trace (a silent live trace reads as "interrupted" on the server).
 * Flushes are idempotent and serialised, so a failed one is simply retried with the next.
 *
 * The writer holds the trace's lease (lib/db/live-writes.ts) and numbers its requests, so a late
 * request of its own changes nothing; when another tab takes the trace over, the server refuses
 * the next write ("lease-lost") and the writer stops for good and says so (state "lost").
 */
export type SaveStatus = { state: "idle" | "saving" | "saved" | "error" | "lost"; at?: number; message?: string };

/** A stored trace the writer goes on with: how much of it is stored, and the lease to write it. */
export interface ExistingTrace {
  segments: number;
  events: number;
  lease: string;
}

export interface TraceWriterDeps {
  fetch: typeof fetch;
  now: () => number;
  onStatus: (status: SaveStatus) => void;
  textIntervalMs?: number;
  heartbeatMs?: number;
  /** Another tab took the trace over (or the server refused to let this one go on). */
  onLeaseLost?: (message: string) => void;
}

const TERMINAL = new Set<TraceStatus>(["finished", "stopped", "failed"]);
/** Tokens of logprobs per live save; a long backlog (a slow or failed save) goes out over several. */
const LOGPROB_TOKENS_PER_SAVE = 2048;

/** Session-host's code for "the hintlab server itself went away" (not a model-server error). */
export const HINTLAB_UNREACHABLE = "hintlab-unreachable";

/**
 * The stored status of an engine state. A run cut because the hintlab server went away (it
 * crashed or restarted under an open tab) is "interrupted", as a trace whose tab closed is: the
 * model did not fail, and Resume goes on from the text kept.
 */
export function traceStatus(state: EngineState): TraceStatus {
  if (state.phase === "failed" && state.error?.code === HINTLAB_UNREACHABLE) return "interrupted";
  return state.phase;
}

export class TraceWriter {
  private created: boolean;
  private savedSegments: number;
  private savedEvents: number;
  private latest?: EngineState;
  private inFlight?: Promise<void>;
  private dirty = false;
  private timer?: ReturnType<typeof setTimeout>;
  private heartbeat?: ReturnType<typeof setInterval>;
  private lastFlush = 0;
  private lastSig = "";
  private lease?: string;
  private seq = 0;
  private lost = false;
  private logprobs: SegmentLogprobs = {};
  /** Per segment, how many of its tokens are stored. */
  private savedLogprobs: Record<number, number> = {};

  constructor(
    private readonly deps: TraceWriterDeps,
    private readonly traceId: string,
    existing?: ExistingTrace,
  ) {
    this.created = existing !== undefined;
    this.savedSegments = existing?.segments ?? 0;
    this.savedEvents = existing?.events ?? 0;
    this.lease = existing?.lease;
    this.heartbeat = setInterval(() => {
      if (this.lost || !this.created) return;
      // A live run re-sends its state (renewing the lease); a paused-for-good or finished one
      // that is still open here only renews the lease, so no one else resumes it meanwhile.
      if (this.latest && !TERMINAL.has(this.latest.phase)) void this.flush(true);
      else void this.renew();
    }, deps.heartbeatMs ?? 5000);
  }

  /** Call after every engine change. */
  update(state: EngineState): void {
    this.latest = state;
    // A new segment or a notable event is written at once; trigger sightings (one per "Wait") ride
    // along with the next text write, so the growing segment is not re-sent at every trigger.
    const finalised =
      state.segments.length - 1 > this.savedSegments || state.events.slice(this.savedEvents).some((e) => e.type !== "trigger-seen");
    if (!this.created || finalised || TERMINAL.has(state.phase)) {
      void this.flush();
      return;
    }
    // Only the streaming tail changed: at most one write per interval.
    const interval = this.deps.textIntervalMs ?? 1000;
    if (!this.timer) {
      const wait = Math.max(0, interval - (this.deps.now() - this.lastFlush));
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, wait);
    }
  }

  /** The run's token probabilities (the session host's); saved with the next write. */
  setLogprobs(logprobs: SegmentLogprobs): void {
    this.logprobs = logprobs;
  }

  /**
   * The logprobs not stored yet, at most LOGPROB_TOKENS_PER_SAVE tokens, and the saved counts
   * once they are. A batch starts at a token offset and replaces what is stored from there, so it
   * backs up over byte tokens that share its first token's offset (all stored again, exactly once).
   */
  private logprobBatch(): { entries: LiveLogprobs[]; counts: Record<number, number> } {
    const entries: LiveLogprobs[] = [];
    const counts: Record<number, number> = {};
    let budget = LOGPROB_TOKENS_PER_SAVE;
    for (const [key, tokens] of Object.entries(this.logprobs)) {
      const segment = Number(key);
      const saved = this.savedLogprobs[segment] ?? 0;
      if (saved >= tokens.length || budget <= 0) continue;
      let i = saved;
      while (i > 0 && tokens[i - 1]!.start >= tokens[saved]!.start) i--;
      const batch = tokens.slice(i, i + budget);
      budget -= batch.length;
      entries.push({ segment, from: batch[0]!.start, tokens: batch });
      counts[segment] = i + batch.length;
    }
    return { entries, counts };
  }

  private unsavedLogprobs(): number {
    let n = 0;
    for (const [key, tokens] of Object.entries(this.logprobs)) n += tokens.length - (this.savedLogprobs[Number(key)] ?? 0);
    return n;
  }

  /**
   * Write now with keepalive and give the lease up (the page is going away, or this tab moves on
   * to another run): a run left live reads as "interrupted" at once.
   */
  flushOnExit(): void {
    if (!this.created || !this.lease || this.lost) return;
    const url = `/api/traces/${encodeURIComponent(this.traceId)}`;
    const init = { keepalive: true, headers: { "content-type": "application/json" } };
    const s = this.latest;
    const request = s
      ? this.deps.fetch(`${url}/live`, { ...init, method: "PATCH", body: JSON.stringify({ ...this.appendBody(s), release: true }) })
      : this.deps.fetch(`${url}/lease`, { ...init, method: "DELETE", body: JSON.stringify({ lease: this.lease }) });
    void request.catch(() => undefined);
    this.lost = true;
  }

  /** Stop writing; with `release`, the trace is handed back first (see flushOnExit). */
  dispose(options: { release?: boolean } = {}): void {
    if (options.release) this.flushOnExit();
    this.lost = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.timer);
  }

  private async renew(): Promise<void> {
    if (!this.lease || this.inFlight) return;
    try {
      const res = await this.deps.fetch(`/api/traces/${encodeURIComponent(this.traceId)}/lease`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ lease: this.lease }),
      });
      if (!res.ok) await this.refused(res);
    } catch {
      // the next heartbeat tries again; a lease only lapses after several missed ones
    }
  }

  /** A write was refused: a lost lease ends this writer; anything else is thrown to be retried. */
  private async refused(res: Response): Promise<"stale"> {
    const err = (await res.json().catch(() => null)) as { error?: { message?: string; reason?: string } } | null;
    const reason = err?.error?.reason;
    if (reason === "stale-write") return "stale";
    const message = err?.error?.message ?? `the server answered ${res.status}`;
    if (reason === "lease-lost" || reason === "would-shorten") {
      this.dispose();
      this.deps.onStatus({ state: "lost", at: this.deps.now(), message });
      this.deps.onLeaseLost?.(message);
    }
    throw new Error(message);
  }

  private appendBody(s: EngineState): LiveAppendBody {
    return {
      lease: this.lease ?? "",
      seq: ++this.seq,
      segmentsFrom: this.savedSegments,
      segments: s.segments.slice(this.savedSegments),
      eventsFrom: this.savedEvents,
      events: s.events.slice(this.savedEvents),
      status: traceStatus(s),
      ...(s.answer !== undefined ? { answer: s.answer } : {}),
      ...(s.verdict ? { verdict: s.verdict } : {}),
    };
  }

  private async flush(force = false): Promise<void> {
    if (this.lost) return;
    if (this.inFlight) {
      // Serialise: one write at a time; the newest state goes out when this one is done.
      this.dirty = true;
      return;
    }
    const s = this.latest;
    if (!s) return;
    const sig = `${s.segments.length}:${s.segments[s.segments.length - 1]?.text.length}:${s.events.length}:${s.phase}:${s.verdict}:${this.unsavedLogprobs()}`;
    if (!force && this.created && sig === this.lastSig) return;
    this.inFlight = this.write(s, sig);
    try {
      await this.inFlight;
    } finally {
      this.inFlight = undefined;
    }
    if (this.dirty) {
      this.dirty = false;
      await this.flush();
    }
  }

  private async write(s: EngineState, sig: string): Promise<void> {
    this.deps.onStatus({ state: "saving" });
    this.lastFlush = this.deps.now();
    try {
      let logprobs: ReturnType<TraceWriter["logprobBatch"]> | undefined;
      if (!this.created) await this.create(s);
      else {
        // Not in flushOnExit: a keepalive body is limited to 64 KiB, and text matters more.
        logprobs = this.logprobBatch();
        const res = await this.deps.fetch(`/api/traces/${encodeURIComponent(this.traceId)}/live`, {
          method: "PATCH",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ ...this.appendBody(s), ...(logprobs.entries.length ? { logprobs: logprobs.entries } : {}) }),
        });
        // A newer request of this writer is already stored: this one changed nothing, and the
        // newest state goes out with the next flush.
        if (!res.ok && (await this.refused(res)) === "stale") return;
      }
      if (logprobs) {
        Object.assign(this.savedLogprobs, logprobs.counts);
        if (this.unsavedLogprobs() > 0) this.dirty = true;
      }
      // A last model segment can still grow (streaming, or a stopped run that is resumed):
      // it is re-sent with every flush; everything before it is stored for good.
      const lastIsModel = s.segments[s.segments.length - 1]?.kind === "model";
      this.savedSegments = Math.max(0, s.segments.length - (lastIsModel ? 1 : 0));
      this.savedEvents = s.events.length;
      this.lastSig = sig;
      this.deps.onStatus({ state: "saved", at: this.deps.now() });
    } catch (e) {
      if (this.lost) return;
      this.deps.onStatus({ state: "error", message: `${(e as Error).message} — retrying` });
      if (!this.timer) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          void this.flush(true);
        }, 2000);
      }
    }
  }

  /** Create the trace on the server, which hands out its lease. */
  private async create(s: EngineState): Promise<void> {
    const body: CreateTraceBody = {
      id: this.traceId,
      problem: s.problem,
      config: s.config,
      segments: s.segments,
      events: s.events,
      status: traceStatus(s),
      createdAt: s.events[0]?.at,
    };
    const res = await this.deps.fetch("/api/traces", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    if (res.status === 409) {
      // Created by an earlier attempt whose answer was lost: the id is this run's own, so take
      // the lease back and go on with live writes from what is stored.
      const grant = await this.deps.fetch(`/api/traces/${encodeURIComponent(this.traceId)}/lease`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ takeOver: true }),
      });
      if (!grant.ok) await this.refused(grant);
      const g = (await grant.json()) as { lease: string; trace: { segments: unknown[]; events: unknown[] } };
      this.lease = g.lease;
      this.created = true;
      this.savedSegments = Math.max(0, g.trace.segments.length - 1);
      this.savedEvents = g.trace.events.length;
      const live = await this.deps.fetch(`/api/traces/${encodeURIComponent(this.traceId)}/live`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(this.appendBody(s)),
      });
      if (!live.ok) await this.refused(live);
      return;
    }
    if (!res.ok) await this.refused(res);
    const created = (await res.json()) as { lease?: string };
    this.lease = created.lease;
    this.created = true;
  }
}
