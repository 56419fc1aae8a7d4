import "server-only";
import { TokenHistory } from "./token-history";

/**
 * A live trace's place in a local model: one context with one sequence, whose KV cache holds
 * `history`. Requests for the same trace reuse it, so only new tokens are evaluated.
 */
export interface Session<S> {
  readonly key: string;
  readonly slot: S;
  readonly history: TokenHistory;
  busy: boolean;
  lastUsed: number;
}

export interface SessionPoolOptions<S> {
  /** Create a context (the expensive part: it allocates the KV cache). */
  create: () => Promise<S>;
  dispose: (slot: S) => Promise<void>;
  /** Most contexts alive at once; the least recently used idle one is released for a new one. */
  maxSessions: number;
  /** An idle session is released after this long (0 = only by LRU). */
  idleMs: number;
}

/**
 * Sessions keyed by trace id, with LRU release. A request for a trace whose session is busy
 * (its previous stream is still unwinding after an abort) waits for it; a request when every
 * slot is busy waits for one to be released. Finished traces simply age out.
 */
export class SessionPool<S> {
  private readonly sessions = new Map<string, Session<S>>();
  private readonly waiters: (() => void)[] = [];
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private anonymous = 0;
  private closed = false;

  constructor(private readonly options: SessionPoolOptions<S>) {}

  get size(): number {
    return this.sessions.size;
  }

  keys(): string[] {
    return [...this.sessions.keys()];
  }

  get(key: string): Session<S> | undefined {
    return this.sessions.get(key);
  }

  /**
   * The session for `key`, created when missing. Without a key (a client that does not say which
   * trace it is), the idle session whose text shares the longest prefix with `text` is taken,
   * else a new one. The session is busy until {@link release}.
   */
  async acquire(key: string | undefined, text: string, signal?: AbortSignal): Promise<Session<S>> {
    for (;;) {
      if (this.closed) throw new Error("The local model was unloaded.");
      signal?.throwIfAborted();
      const resolvedKey = key ?? this.closestIdle(text) ?? `anonymous-${++this.anonymous}`;
      const existing = this.sessions.get(resolvedKey);
      if (existing && !existing.busy) return this.take(existing);
      if (!existing && (this.sessions.size < this.options.maxSessions || (await this.evictLeastRecent()))) {
        // Reserve the key before the await so a concurrent request for it waits instead of creating a twin.
        const session: Session<S> = { key: resolvedKey, slot: undefined as S, history: new TokenHistory(), busy: true, lastUsed: Date.now() };
        this.sessions.set(resolvedKey, session);
        try {
          (session as { slot: S }).slot = await this.options.create();
        } catch (error) {
          this.sessions.delete(resolvedKey);
          this.wake();
          throw error;
        }
        return session;
      }
      await this.waitForRelease(signal);
    }
  }

  release(session: Session<S>): void {
    session.busy = false;
    session.lastUsed = Date.now();
    if (this.options.idleMs > 0) {
      clearTimeout(this.timers.get(session.key));
      const timer = setTimeout(() => void this.drop(session.key, true), this.options.idleMs);
      timer.unref?.();
      this.timers.set(session.key, timer);
    }
    this.wake();
  }

  /** Release a session now (e.g. its trace finished); a busy one is released when its stream ends. */
  async drop(key: string, onlyIfIdle = false): Promise<boolean> {
    const session = this.sessions.get(key);
    if (!session || (onlyIfIdle && session.busy)) return false;
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.sessions.delete(key);
    await this.options.dispose(session.slot);
    this.wake();
    return true;
  }

  /** Release every session (model switch, shutdown); waits for none. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.sessions.keys()].map((key) => this.drop(key)));
    this.wake();
  }

  private take(session: Session<S>): Session<S> {
    session.busy = true;
    clearTimeout(this.timers.get(session.key));
    this.timers.delete(session.key);
    return session;
  }

  private closestIdle(text: string): string | undefined {
    let best: { key: string; shared: number } | undefined;
    for (const session of this.sessions.values()) {
      if (session.busy || !session.key.startsWith("anonymous-")) continue;
      const shared = session.history.commonPrefix(text);
      if (shared > 0 && (!best || shared > best.shared)) best = { key: session.key, shared };
    }
    return best?.key;
  }

  private async evictLeastRecent(): Promise<boolean> {
    let oldest: Session<S> | undefined;
    for (const session of this.sessions.values()) {
      if (!session.busy && (!oldest || session.lastUsed < oldest.lastUsed)) oldest = session;
    }
    return oldest ? this.drop(oldest.key, true) : false;
  }

  private waitForRelease(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal!.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      });
    });
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}
