/**
 * A synchronous PostgreSQL database with the part of better-sqlite3's API hintlab uses
 * (prepare/run/get/all/iterate/pluck/raw/bind, exec, transaction with savepoints, pragma as a
 * no-op, open, inTransaction, close). Every caller of the store is synchronous, so instead of an
 * async store the main thread hands each query to a worker thread that owns a `pg` connection and
 * sleeps in Atomics.wait until the answer is posted (worker.mjs). Cost: one thread hop and one
 * network round trip per statement (bench/pg-bridge.mjs measures it).
 */
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { bindValues, translateQuery, type Translated } from "./dialect";
import { unescapeNul } from "./nul";

interface Answer {
  rows?: unknown[];
  rowCount?: number;
  fields?: string[];
  error?: { message: string; code?: string; detail?: string; constraint?: string };
}

export const isPgUrl = (s: string): boolean => /^postgres(ql)?:\/\//i.test(s);

/** A database location fit to print: a URL's password masked. */
export const dbLabel = (location: string): string => location.replace(/:\/\/([^:@/]+):[^@/]*@/, "://$1:***@");

export class PgError extends Error {
  constructor(
    message: string,
    readonly code?: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = "PgError";
  }
}

/** Query timeout for one statement, so a dead server fails the caller instead of hanging the process. */
const WAIT_MS = Number(process.env.HINTLAB_PG_TIMEOUT_MS ?? 60_000);

/** The advisory lock key of immediate transactions (any constant; shared by every hintlab process on the database). */
export const IMMEDIATE_LOCK = 724_312;

function workerFile(): string {
  // Beside this file in the source tree; HINTLAB_PG_WORKER for bundles that move files around.
  if (process.env.HINTLAB_PG_WORKER) return process.env.HINTLAB_PG_WORKER;
  const here = path.dirname(fileURLToPath(import.meta.url));
  const f = path.join(here, "worker.mjs");
  return existsSync(f) ? f : path.resolve("lib/db/pg/worker.mjs");
}

/**
 * Buffers come back from the worker as plain Uint8Arrays (structured clone); better-sqlite3
 * returns Buffers. Strings lose the U+0000 escape they were stored with (nul.ts).
 */
function revive(v: unknown): unknown {
  if (typeof v === "string") return unescapeNul(v);
  return v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : v;
}

export class PgDatabase {
  readonly name: string;
  readonly memory = false;
  readonly readonly = false;
  open = true;
  private depth = 0;
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private readonly cache = new Map<string, Translated>();
  private readonly waitMs: number;

  constructor(url: string, options: { timeoutMs?: number } = {}) {
    this.waitMs = options.timeoutMs ?? WAIT_MS;
    this.name = dbLabel(url);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(workerFile(), { workerData: { port: port2, flag: this.flag.buffer, url }, transferList: [port2] });
    // The worker must not keep the process alive on its own: a CLI exits when its work is done.
    this.worker.unref();
  }

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  /** Send one request and block until the worker answers. */
  call(req: object): Answer {
    if (!this.open) throw new TypeError("The database connection is not open");
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage(req);
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      if (Atomics.wait(this.flag, 0, 0, Math.max(1, deadline - Date.now())) === "timed-out" && Date.now() >= deadline) {
        // The late answer would be read as the next statement's: this connection is done.
        this.open = false;
        void this.worker.terminate();
        throw new PgError(`PostgreSQL did not answer within ${this.waitMs} ms; the connection is closed`);
      }
      const m = receiveMessageOnPort(this.port);
      if (m) {
        const a = m.message as Answer;
        if (a.error) throw new PgError(a.error.message, a.error.code, a.error.detail);
        return a;
      }
    }
  }

  query(sql: string, values: unknown[] = [], rowMode?: "array"): Answer {
    return this.call({ sql, values, rowMode });
  }

  translated(sql: string): Translated {
    let t = this.cache.get(sql);
    if (!t) {
      t = translateQuery(sql);
      this.cache.set(sql, t);
    }
    return t;
  }

  prepare(sql: string): PgStatement {
    return new PgStatement(this, sql, this.translated(sql));
  }

  /** Runs a script (several statements, no parameters) as one simple query. */
  exec(sql: string): this {
    this.call({ sql });
    return this;
  }

  /** SQLite pragmas have no PostgreSQL meaning for hintlab (WAL, foreign keys are always on). */
  pragma(_source: string, _options?: { simple?: boolean }): unknown[] {
    return [];
  }

  /** better-sqlite3's transaction(): a function that runs `fn` in BEGIN…COMMIT, or in a SAVEPOINT when nested. */
  transaction<A extends unknown[], R>(fn: (...args: A) => R): ((...args: A) => R) & { immediate: (...args: A) => R; deferred: (...args: A) => R; exclusive: (...args: A) => R } {
    const run = (lock: boolean, args: A): R => {
      const outer = this.depth === 0;
      const sp = `hintlab_sp_${this.depth}`;
      // SQLite's BEGIN IMMEDIATE takes the database's write lock at once, so two immediate
      // transactions (claims of experiment items) never interleave. The same here: a
      // transaction-scoped advisory lock that every immediate transaction on this database takes.
      this.call({ sql: outer ? (lock ? `BEGIN; SELECT pg_advisory_xact_lock(${IMMEDIATE_LOCK})` : "BEGIN") : `SAVEPOINT ${sp}` });
      this.depth++;
      let r: R;
      try {
        r = fn(...args);
        if (r && typeof (r as { then?: unknown }).then === "function") throw new TypeError("Transaction function cannot return a promise");
      } catch (e) {
        this.depth--;
        this.rollback(outer, sp);
        throw e;
      }
      this.depth--;
      try {
        this.call({ sql: outer ? "COMMIT" : `RELEASE SAVEPOINT ${sp}` });
      } catch (e) {
        this.rollback(outer, sp);
        throw e;
      }
      return r;
    };
    const deferred = (...args: A) => run(false, args);
    const immediate = (...args: A) => run(true, args);
    return Object.assign(deferred, { immediate, deferred, exclusive: immediate });
  }

  private rollback(outer: boolean, sp: string): void {
    try {
      this.call({ sql: outer ? "ROLLBACK" : `ROLLBACK TO SAVEPOINT ${sp}; RELEASE SAVEPOINT ${sp}` });
    } catch {
      // The connection is gone: the server rolls back on its own.
    }
  }

  close(): this {
    if (!this.open) return this;
    try {
      this.call({ close: true });
    } finally {
      this.open = false;
      void this.worker.terminate();
    }
    return this;
  }
}

export class PgStatement {
  private isPluck = false;
  private isRaw = false;
  private bound?: unknown[];
  readonly reader: boolean;

  constructor(
    private readonly db: PgDatabase,
    readonly source: string,
    private readonly t: Translated,
  ) {
    this.reader = /^\s*(SELECT|WITH|VALUES|PRAGMA)\b/i.test(source) || /\bRETURNING\b/i.test(source);
  }

  pluck(on = true): this {
    this.isPluck = on;
    if (on) this.isRaw = false;
    return this;
  }

  raw(on = true): this {
    this.isRaw = on;
    if (on) this.isPluck = false;
    return this;
  }

  bind(...args: unknown[]): this {
    this.bound = args;
    return this;
  }

  private exec(args: unknown[]): Answer {
    const values = bindValues(this.t.params, this.bound ?? args);
    return this.db.query(this.t.text, values, this.isPluck || this.isRaw ? "array" : undefined);
  }

  private shape(rows: unknown[]): unknown[] {
    if (this.isPluck) return rows.map((r) => revive((r as unknown[])[0]));
    if (this.isRaw) return rows.map((r) => (r as unknown[]).map(revive));
    return rows.map((r) => {
      const o = r as Record<string, unknown>;
      for (const k in o) o[k] = revive(o[k]);
      return o;
    });
  }

  run(...args: unknown[]): { changes: number; lastInsertRowid: number } {
    const a = this.exec(args);
    const first = a.rows?.[0] as Record<string, unknown> | unknown[] | undefined;
    const rowid = this.t.returnsRowid && first ? Number(Array.isArray(first) ? first[0] : first.rowid) : 0;
    return { changes: a.rowCount ?? 0, lastInsertRowid: rowid };
  }

  get(...args: unknown[]): unknown {
    return this.shape(this.exec(args).rows ?? [])[0];
  }

  all(...args: unknown[]): unknown[] {
    return this.shape(this.exec(args).rows ?? []);
  }

  /** Reads everything at once (no server-side cursor yet): fine for hintlab's iterate() callers, which page. */
  *iterate(...args: unknown[]): IterableIterator<unknown> {
    yield* this.all(...args);
  }
}
