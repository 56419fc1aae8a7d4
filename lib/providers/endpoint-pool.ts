import "server-only";
import type { GenerateRequest, GenerateResult, ModelErrorCode } from "@/lib/protocol";
import { ModelError, type LogprobSink, type Provider } from "./types";

/**
 * Several endpoints of the same model (several vLLM/SGLang/llama.cpp servers) behind one
 * Provider. Each generate() goes to the endpoint with the fewest outstanding requests, within
 * its `maxConcurrent` cap (a request waits for a slot rather than overfill one). An endpoint that
 * fails (connection refused, 5xx, broken stream, silence) is taken out at once and probed with
 * GET {url}/models after an exponential backoff (1 s doubling to 30 s); it takes requests again
 * once a probe succeeds. A request that fails *before any text was streamed* is retried on
 * another endpoint; once text streamed the error goes to the caller as with one server (the
 * experiment runner's retries decide).
 */

/** One model server in a pool. */
export interface PoolEndpoint {
  /** Where requests go; recorded in traces, so it must carry no credentials (see endpointLabel). */
  url: string;
  provider: Provider;
  /** Requests in flight at most on this endpoint; absent = no cap. */
  maxConcurrent?: number;
  /** Health check: true when the endpoint answers. Default for HTTP servers: modelsProbe. */
  probe: (signal: AbortSignal) => Promise<boolean>;
}

export interface BackoffOptions {
  /** Wait before the first health check of an endpoint that failed. */
  initialMs: number;
  /** The wait doubles after each failed check, up to this. */
  maxMs: number;
}
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1_000, maxMs: 30_000 };

export interface EndpointPoolOptions {
  backoff?: BackoffOptions;
  /**
   * How long a request waits for an endpoint to come back when every endpoint it may still use
   * is down (default: one full backoff, so at least one round of health checks happens first).
   * After that it fails like a request to one dead server: the caller's retries decide.
   */
  downWaitMs?: number;
  /** Timeout of one health check (default 5 s). */
  probeTimeoutMs?: number;
  /** State changes (taken out, brought back), one line each; default: stderr. */
  log?: (line: string) => void;
}

export type EndpointState = "up" | "down";

/** What `stats()` reports per endpoint. */
export interface EndpointStats {
  url: string;
  state: EndpointState;
  outstanding: number;
  maxConcurrent: number | null;
  /** Requests that ended on this endpoint without an endpoint failure. */
  served: number;
  /** Endpoint failures seen (requests and health checks). */
  failures: number;
  /** When the next health check runs (epoch ms), while down. */
  nextProbeAt: number | null;
  /** The last failure's message (safe to show: ModelError messages carry no keys). */
  lastError: string | null;
}

/**
 * Failures that say the endpoint is unwell, whatever the request. A refused request (400),
 * a wrong key or an unknown model would fail the same way anywhere: those stay with the caller
 * and leave the endpoint in.
 */
export const ENDPOINT_FAILURES: ReadonlySet<ModelErrorCode> = new Set<ModelErrorCode>(["connection-refused", "server-error", "stream-broken", "malformed-stream", "timeout"]);

export const isEndpointFailure = (error: unknown): error is ModelError => error instanceof ModelError && ENDPOINT_FAILURES.has(error.code);

/** A URL as recorded and shown: no user/password, query or fragment (where keys hide), no trailing slash. */
export function endpointLabel(raw: string): string {
  try {
    const url = new URL(raw);
    url.username = "";
    url.password = "";
    url.search = "";
    url.hash = "";
    return url.toString().replace(/\/+$/, "");
  } catch {
    return raw.replace(/[?#].*$/, "").replace(/\/+$/, "");
  }
}

/** GET {baseUrl}/models answered 2xx within the timeout (the key sent as vLLM expects it). */
export function modelsProbe(baseUrl: string, apiKey?: string, path = "models"): PoolEndpoint["probe"] {
  return async (signal) => {
    try {
      const response = await fetch(`${baseUrl}/${path}`, { headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {}, signal });
      await response.body?.cancel().catch(() => undefined);
      return response.ok;
    } catch {
      return false;
    }
  };
}

interface Entry {
  readonly endpoint: PoolEndpoint;
  readonly url: string;
  state: EndpointState;
  outstanding: number;
  served: number;
  failures: number;
  /** Failed health checks in a row (with the failure that took it out): the backoff exponent. */
  streak: number;
  nextProbeAt: number | null;
  timer: ReturnType<typeof setTimeout> | null;
  lastError: string | null;
}

/**
 * The requests of one trace: they go to the endpoint of its previous request while that one
 * is up and under its cap. The whole prompt of a continuation (everything so far plus a hint or
 * tool output) is a prefix the server that wrote it has cached; another server would evaluate
 * it all again. Only a down or full endpoint moves the trace (least-outstanding picks anew).
 */
export interface TraceBinding {
  provider: Provider;
  /** The endpoint of the trace's last request (undefined before the first). */
  endpoint(): string | undefined;
  /** Every endpoint that took a request of this trace, in order of first use. */
  endpoints(): string[];
}

export class EndpointPool implements Provider {
  private readonly entries: Entry[];
  private readonly backoff: BackoffOptions;
  private readonly downWaitMs: number;
  private readonly probeTimeoutMs: number;
  private readonly log: (line: string) => void;
  private waiters: (() => void)[] = [];
  private readonly sessions = new Map<string, Binding>();
  private closed = false;

  constructor(endpoints: readonly PoolEndpoint[], options: EndpointPoolOptions = {}) {
    if (endpoints.length === 0) throw new Error("an endpoint pool needs at least one endpoint");
    this.entries = endpoints.map((endpoint) => ({
      endpoint,
      url: endpointLabel(endpoint.url),
      state: "up",
      outstanding: 0,
      served: 0,
      failures: 0,
      streak: 0,
      nextProbeAt: null,
      timer: null,
      lastError: null,
    }));
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.downWaitMs = options.downWaitMs ?? this.backoff.maxMs;
    this.probeTimeoutMs = options.probeTimeoutMs ?? 5_000;
    this.log = options.log ?? ((line) => process.stderr.write(`[hintlab] ${line}\n`));
  }

  /**
   * Requests that come one by one (the playground's, through POST /api/generate): affinity by
   * `request.session` (the engine sends its trace id), remembered for the latest sessions only.
   */
  generate(request: GenerateRequest, signal: AbortSignal, onLogprobs?: LogprobSink): AsyncGenerator<string, GenerateResult> {
    return this.route(this.sessionBinding(request.session), request, signal, onLogprobs);
  }

  private sessionBinding(session: string | undefined): Binding {
    if (session === undefined) return { preferred: undefined, used: [] };
    let binding = this.sessions.get(session);
    if (binding) this.sessions.delete(session); // re-inserted below: the Map's order is recency
    else binding = { preferred: undefined, used: [] };
    this.sessions.set(session, binding);
    if (this.sessions.size > MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    return binding;
  }

  /** A provider for one trace's requests, with endpoint affinity (see TraceBinding). */
  bind(): TraceBinding {
    const binding: Binding = { preferred: undefined, used: [] };
    return {
      provider: { generate: (request, signal, onLogprobs) => this.route(binding, request, signal, onLogprobs) },
      endpoint: () => binding.preferred?.url,
      endpoints: () => binding.used.map((e) => e.url),
    };
  }

  stats(): EndpointStats[] {
    return this.entries.map((e) => ({
      url: e.url,
      state: e.state,
      outstanding: e.outstanding,
      maxConcurrent: e.endpoint.maxConcurrent ?? null,
      served: e.served,
      failures: e.failures,
      nextProbeAt: e.nextProbeAt,
      lastError: e.lastError,
    }));
  }

  /** Stops the health checks; waiting requests give up. */
  close(): void {
    this.closed = true;
    for (const e of this.entries) if (e.timer) clearTimeout(e.timer);
    this.wake();
  }

  private async *route(binding: Binding, request: GenerateRequest, signal: AbortSignal, onLogprobs?: LogprobSink): AsyncGenerator<string, GenerateResult> {
    const tried = new Set<Entry>();
    let lastError: ModelError | undefined;
    for (;;) {
      const entry = await this.acquire(binding.preferred, tried, signal);
      if (signal.aborted) {
        if (entry) this.release(entry);
        return { finishReason: "abort" };
      }
      if (!entry) throw lastError ?? this.allDown();
      tried.add(entry);
      binding.preferred = entry;
      if (!binding.used.includes(entry)) binding.used.push(entry);
      let streamed = false;
      // A token's probabilities reach the sink just before its text is yielded: after that, nothing can move.
      const sink: LogprobSink | undefined = onLogprobs && ((tokens) => ((streamed = true), onLogprobs(tokens)));
      let finished = false;
      let generation: AsyncGenerator<string, GenerateResult> | undefined;
      // acquire() counted this request on the endpoint already; every path below gives the slot back.
      try {
        generation = entry.endpoint.provider.generate(request, signal, sink);
        for (;;) {
          const next = await generation.next();
          if (next.done) {
            finished = true;
            entry.served++;
            return next.value;
          }
          streamed = true;
          yield next.value;
        }
      } catch (error) {
        finished = true;
        if (!isEndpointFailure(error)) {
          if (!signal.aborted) entry.served++;
          throw error;
        }
        this.takeOut(entry, error);
        if (streamed || signal.aborted) throw error;
        lastError = error;
      } finally {
        this.release(entry);
        // The consumer left mid-stream: the inner generator's finally aborts its request.
        if (!finished) await generation?.return(undefined as never).catch(() => undefined);
      }
    }
  }

  /**
   * The endpoint for the next request: the trace's own while it is up and has a free slot,
   * else the up endpoint with the fewest outstanding requests (ties: the one that served
   * fewer, then list order), counted as outstanding on it before this returns. Waits while every
   * usable endpoint is full, and up to `downWaitMs` while all are down. Null: nothing left to try
   * (all tried, down past the wait, or closed).
   */
  private async acquire(preferred: Entry | undefined, tried: ReadonlySet<Entry>, signal: AbortSignal): Promise<Entry | null> {
    const deadline = Date.now() + this.downWaitMs;
    for (;;) {
      if (signal.aborted || this.closed) return null;
      const usable = this.entries.filter((e) => !tried.has(e));
      if (usable.length === 0) return null;
      const free = usable.filter((e) => e.state === "up" && hasSlot(e));
      const pick =
        preferred && free.includes(preferred)
          ? preferred
          : free.reduce<Entry | undefined>((best, e) => (!best || e.outstanding < best.outstanding || (e.outstanding === best.outstanding && e.served < best.served) ? e : best), undefined);
      if (pick) {
        // Counted now, in the same turn as the choice: requests starting together must see each other.
        pick.outstanding++;
        return pick;
      }
      const anyUp = usable.some((e) => e.state === "up");
      if (!anyUp && Date.now() >= deadline) return null;
      // Full: a slot frees when a request ends. Down: an endpoint comes back after a health check.
      await this.waitForChange(signal, anyUp ? undefined : deadline - Date.now());
    }
  }

  private release(entry: Entry): void {
    entry.outstanding--;
    this.wake();
  }

  private waitForChange(signal: AbortSignal, timeoutMs?: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = () => {
        if (timer) clearTimeout(timer);
        signal.removeEventListener("abort", done);
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      };
      this.waiters.push(done);
      signal.addEventListener("abort", done, { once: true });
      if (timeoutMs !== undefined) timer = setTimeout(done, Math.max(0, timeoutMs));
    });
  }

  private wake(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w();
  }

  private takeOut(entry: Entry, error: ModelError): void {
    entry.failures++;
    entry.lastError = error.message;
    // Requests in flight when it went down fail too: one outage, one backoff step.
    if (entry.state === "down") return;
    entry.state = "down";
    entry.streak = 1;
    const delay = this.schedule(entry);
    this.log(`model server ${entry.url} taken out (${error.code}); health check in ${formatMs(delay)}`);
  }

  /** Backoff of the n-th failure in a row: initial · 2^(n-1), capped. */
  private delayFor(streak: number): number {
    return Math.min(this.backoff.initialMs * 2 ** Math.max(0, streak - 1), this.backoff.maxMs);
  }

  private schedule(entry: Entry): number {
    const delay = this.delayFor(entry.streak);
    entry.nextProbeAt = Date.now() + delay;
    entry.timer = setTimeout(() => void this.check(entry), delay);
    // A pending health check must not keep the CLI alive after its run.
    entry.timer.unref?.();
    return delay;
  }

  private async check(entry: Entry): Promise<void> {
    entry.timer = null;
    if (this.closed) return;
    const healthy = await entry.endpoint.probe(AbortSignal.timeout(this.probeTimeoutMs)).catch(() => false);
    if (this.closed) return;
    if (healthy) {
      entry.state = "up";
      entry.streak = 0;
      entry.nextProbeAt = null;
      this.log(`model server ${entry.url} is back`);
      this.wake();
      return;
    }
    entry.failures++;
    entry.streak++;
    this.schedule(entry);
  }

  private allDown(): ModelError {
    const next = Math.min(...this.entries.map((e) => e.nextProbeAt ?? Number.POSITIVE_INFINITY));
    const when = Number.isFinite(next) ? ` The next health check is in ${formatMs(Math.max(0, next - Date.now()))}.` : "";
    const last = this.entries.find((e) => e.lastError)?.lastError;
    return new ModelError(
      "connection-refused",
      `All ${this.entries.length} model servers are down (${this.entries.map((e) => e.url).join(", ")}).${when}${last ? ` Last failure: ${last}` : ""}`,
    );
  }
}

/** Sessions whose endpoint generate() remembers (a binding is two fields: 10k of them is little). */
const MAX_SESSIONS = 10_000;

interface Binding {
  preferred: Entry | undefined;
  used: Entry[];
}

const hasSlot = (e: Entry) => e.endpoint.maxConcurrent === undefined || e.outstanding < e.endpoint.maxConcurrent;

const formatMs = (ms: number) => (ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`);

export const isEndpointPool = (provider: Provider): provider is EndpointPool => provider instanceof EndpointPool;
