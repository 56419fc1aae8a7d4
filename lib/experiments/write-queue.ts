/**
 * The experiment runner's database writes, batched: a finished item (its trace, token
 * probabilities and outcome) is queued and written with the others that finished within
 * `delayMs`, in one transaction per slice of at most `sliceMs`, yielding to the event loop
 * between slices. With hundreds of live sessions this turns ~10 commits a second into a few
 * and keeps any one slice from holding the loop (streams, the UI's requests) for long.
 *
 * Each write runs in its own savepoint, so one that fails (a constraint, a bad row) is rolled
 * back alone; the others commit, and the first failure is thrown by `close()`. A crash loses
 * at most the last `delayMs` of finished items: they are still `running` in the store, so a
 * resumed experiment runs them again (nothing is counted twice).
 */
/** Thrown by a write that finds it must not happen after all: undone with its savepoint, not a failure. */
export class DroppedWrite extends Error {}

export class WriteQueue {
  private queued: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private failure: unknown;
  private written = 0;
  private dropped = 0;
  private slices = 0;

  constructor(
    /** Runs `fn` in one transaction (better-sqlite3: `db.transaction(fn)()`), nested calls as savepoints. */
    private readonly transaction: (fn: () => void) => void,
    private readonly opts: { delayMs?: number; sliceMs?: number; maxQueued?: number } = {},
  ) {}

  push(write: () => void): void {
    this.queued.push(write);
    if (this.queued.length >= (this.opts.maxQueued ?? 256)) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.opts.delayMs ?? 100);
  }

  /** Write everything queued so far (and what is queued while it runs). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.flushing) return this.flushing.then(() => (this.queued.length ? this.flush() : undefined));
    this.flushing = this.drain().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** Flush, then throw the first write that failed, if any. */
  async close(): Promise<void> {
    await this.flush();
    if (this.failure !== undefined) throw this.failure;
  }

  stats(): { written: number; dropped: number; transactions: number } {
    return { written: this.written, dropped: this.dropped, transactions: this.slices };
  }

  private async drain(): Promise<void> {
    const slice = this.opts.sliceMs ?? 15;
    while (this.queued.length) {
      const started = performance.now();
      this.transaction(() => {
        while (this.queued.length && performance.now() - started < slice) {
          const write = this.queued.shift()!;
          try {
            this.transaction(write); // a savepoint: a failing write is undone alone
            this.written++;
          } catch (err) {
            if (err instanceof DroppedWrite) this.dropped++;
            else this.failure ??= err;
          }
        }
      });
      this.slices++;
      if (this.queued.length) await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
