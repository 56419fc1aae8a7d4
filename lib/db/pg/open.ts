import { MIGRATIONS } from "../migrations";
import { PgDatabase } from "./bridge";
import { PG_BOOTSTRAP, translateDdl } from "./dialect";

/**
 * Open the PostgreSQL store at `url` and bring its schema up to date with the same numbered
 * migrations as SQLite (translated by dialect.ts). Each migration runs in its own transaction,
 * as on SQLite; PostgreSQL DDL is transactional, so a failed one leaves the previous version.
 */
export function openPgDb(url: string): PgDatabase {
  const db = new PgDatabase(url);
  try {
    migratePg(db);
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}

export function migratePg(db: PgDatabase): number {
  // Serialise concurrent starts (several processes opening a fresh database at once).
  db.transaction(() => {
    db.exec("SELECT pg_advisory_xact_lock(724311)");
    db.exec(PG_BOOTSTRAP);
    db.exec(translateDdl("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)"));
  })();
  const known = Math.max(0, ...MIGRATIONS.map((m) => m.version));
  for (const m of MIGRATIONS) {
    db.transaction(() => {
      db.exec("SELECT pg_advisory_xact_lock(724311)");
      const applied = new Set((db.prepare("SELECT version FROM schema_migrations").all() as { version: number }[]).map((r) => r.version));
      const newest = Math.max(0, ...applied);
      if (newest > known) {
        throw new Error(`the database was written by a newer hintlab (schema ${newest}, this version knows ${known}); upgrade hintlab or use another HINTLAB_DATABASE_URL`);
      }
      if (applied.has(m.version)) return;
      db.exec(translateDdl(m.sql));
      db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(m.version, m.name, Date.now());
    })();
  }
  return known;
}
