import type { EngineState } from "@/lib/engine";
import type { CreateTraceBody, LiveAppendBody, TraceStatus } from "@/lib/protocol";

/**
 * Saves a live trace as it happens: the trace is created when the run starts; finished segments
 * and new events are sent at once; the text still streaming at most every `textIntervalMs`; and a
 * heartbeat while the run waits (a silent live trace reads as "interrupted" on the server).
 * Flushes are idempotent and serialised, so a failed one is simply retried with the next.
 */
export type SaveStatus = { state: "idle" | "saving" | "saved" | "error"; at?: number; message?: string };

export interface TraceWriterDeps {
  fetch: typeof fetch;
  now: () => number;
  onStatus: (status: SaveStatus) => void;
  textIntervalMs?: number;
  heartbeatMs?: number;
}

const TERMINAL = new Set<TraceStatus>(["finished", "stopped", "failed"]);

export function traceStatus(state: EngineState): TraceStatus {
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

  constructor(
    private readonly deps: TraceWriterDeps,
    private readonly traceId: string,
    existing?: { segments: number; events: number },
  ) {
    this.created = existing !== undefined;
    this.savedSegments = existing?.segments ?? 0;
    this.savedEvents = existing?.events ?? 0;
    this.heartbeat = setInterval(() => {
      if (this.latest && !TERMINAL.has(this.latest.phase)) void this.flush(true);
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

  /** Write now with keepalive (the page is going away). */
  flushOnExit(): void {
    const s = this.latest;
    if (!s || !this.created) return;
    void this.deps.fetch(`/api/traces/${encodeURIComponent(this.traceId)}/live`, {
      method: "PATCH",
      keepalive: true,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(this.appendBody(s)),
    }).catch(() => undefined);
  }

  dispose(): void {
    clearInterval(this.heartbeat);
    clearTimeout(this.timer);
  }

  private appendBody(s: EngineState): LiveAppendBody {
    return {
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
    if (this.inFlight) {
      // Serialise: one write at a time; the newest state goes out when this one is done.
      this.dirty = true;
      return;
    }
    const s = this.latest;
    if (!s) return;
    const sig = `${s.segments.length}:${s.segments[s.segments.length - 1]?.text.length}:${s.events.length}:${s.phase}:${s.verdict}`;
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
      let res: Response;
      if (!this.created) {
        const body: CreateTraceBody = {
          id: this.traceId,
          problem: s.problem,
          config: s.config,
          segments: s.segments,
          events: s.events,
          status: traceStatus(s),
          createdAt: s.events[0]?.at,
        };
        res = await this.deps.fetch("/api/traces", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      } else {
        res = await this.deps.fetch(`/api/traces/${encodeURIComponent(this.traceId)}/live`, {
          method: "PATCH",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(this.appendBody(s)),
        });
      }
      if (!res.ok) {
        const err = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
        throw new Error(err?.error?.message ?? `the server answered ${res.status}`);
      }
      this.created = true;
      // A last model segment can still grow (streaming, or a stopped run that is resumed):
      // it is re-sent with every flush; everything before it is stored for good.
      const lastIsModel = s.segments[s.segments.length - 1]?.kind === "model";
      this.savedSegments = Math.max(0, s.segments.length - (lastIsModel ? 1 : 0));
      this.savedEvents = s.events.length;
      this.lastSig = sig;
      this.deps.onStatus({ state: "saved", at: this.deps.now() });
    } catch (e) {
      this.deps.onStatus({ state: "error", message: `${(e as Error).message} — retrying` });
      if (!this.timer) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          void this.flush(true);
        }, 2000);
      }
    }
  }
}
