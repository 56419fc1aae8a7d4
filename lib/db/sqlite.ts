import "server-only";
import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { MIGRATIONS } from "./migrations";
import { currentOwner } from "./owners";
import { PgDatabase, isPgUrl } from "./pg/bridge";

export { dbLabel } from "./pg/bridge";
import { migratePg, openPgDb } from "./pg/open";

export type Db = Database.Database;

/**
 * Default database: HINTLAB_DATABASE_URL (postgres://…, the PostgreSQL store, see pg/bridge.ts),
 * else the file HINTLAB_DB, else <HINTLAB_DATA_DIR or ./data>/hintlab.db.
 */
export function defaultDbPath(): string {
  if (process.env.HINTLAB_DATABASE_URL) return process.env.HINTLAB_DATABASE_URL;
  if (process.env.HINTLAB_DB) return path.resolve(/* turbopackIgnore: true */ process.env.HINTLAB_DB);
  return path.join(path.resolve(/* turbopackIgnore: true */ process.env.HINTLAB_DATA_DIR ?? "./data"), "hintlab.db");
}

/** A `--db` flag's value: a PostgreSQL URL as given, a file resolved against the working directory. */
export function dbLocation(flag: string | undefined): string {
  if (flag === undefined) return defaultDbPath();
  return isPgUrl(flag) ? flag : path.resolve(/* turbopackIgnore: true */ flag);
}

/**
 * Whether `db` is the PostgreSQL store, for the few statements that must differ by backend
 * (row locks: SQLite has no FOR UPDATE, its writers are serialised anyway).
 */
export function isPostgres(db: Db): boolean {
  return (db as unknown) instanceof PgDatabase;
}

/**
 * Open a database file (created if missing) in WAL mode and bring its schema up to date.
 * Migrations are numbered and each runs in its own transaction, recorded in `schema_migrations`,
 * so a crash mid-migration leaves the previous version intact.
 */
export function openDb(file: string = defaultDbPath()): Db {
  // The PostgreSQL adapter implements the part of better-sqlite3's API hintlab uses (bridge.ts).
  if (isPgUrl(file)) return openPgDb(file) as unknown as Db;
  if (file !== ":memory:") mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  migrate(db);
  return db;
}

/** The file of a file-backed SQLite connection; undefined for PostgreSQL and in-memory databases. */
export function sqliteFile(db: Db): string | undefined {
  if ((db as unknown) instanceof PgDatabase || db.memory) return undefined;
  return db.name;
}

/**
 * A read-only connection to an existing database file, for a reader on another thread (the
 * export workers): WAL lets it read while the server's connection writes, and it never runs
 * migrations or changes the file's mode (the server's openDb did both).
 */
export function openReadonlyDb(file: string): Db {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma("busy_timeout = 5000");
  return db;
}

export function migrate(db: Db): number {
  if (isPostgres(db)) return migratePg(db as unknown as PgDatabase);
  db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
  const applied = new Set((db.prepare("SELECT version FROM schema_migrations").all() as { version: number }[]).map((r) => r.version));
  const newest = Math.max(0, ...applied);
  const known = Math.max(0, ...MIGRATIONS.map((m) => m.version));
  if (newest > known) {
    throw new Error(`the database was written by a newer hintlab (schema ${newest}, this version knows ${known}); upgrade hintlab or use another HINTLAB_DB`);
  }
  for (const m of MIGRATIONS) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(m.version, m.name, Date.now());
    })();
  }
  return known;
}

const globalDb = globalThis as unknown as { __hintlabDb?: { file: string; db: Db } };

/**
 * The process's shared connection (one per file; survives Next's dev reloads). Opening it
 * registers this process as a run owner, which interrupts the runs of dead owners at once.
 */
export function getDb(): Db {
  const file = defaultDbPath();
  if (!globalDb.__hintlabDb || globalDb.__hintlabDb.file !== file) {
    const db = openDb(file);
    currentOwner(db);
    globalDb.__hintlabDb = { file, db };
  }
  return globalDb.__hintlabDb.db;
}
