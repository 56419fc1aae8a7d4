/**
 * The store's test suites run once per backend: SQLite always, PostgreSQL when
 * HINTLAB_TEST_DATABASE_URL points at a server (CI starts one with scripts/pg-test-server.mjs;
 * locally `node scripts/pg-test-server.mjs -- npx vitest run lib/db`). Each test database on
 * PostgreSQL is a fresh schema, selected through the connection's search_path, so tests stay
 * independent without a CREATE DATABASE each.
 */
import path from "node:path";
import { PgDatabase } from "./pg/bridge";

export type Backend = "sqlite" | "postgres";

const pgUrl = process.env.HINTLAB_TEST_DATABASE_URL;

/** For describe.each: PostgreSQL is listed only when a server is configured. */
export const backends: Backend[] = pgUrl ? ["sqlite", "postgres"] : ["sqlite"];

let admin: PgDatabase | undefined;
let n = 0;

/** Where a test's database lives: a file in `dir` for SQLite, a new schema's URL for PostgreSQL. */
export function testDbLocation(backend: Backend, dir: string, name = "t.db"): string {
  if (backend === "sqlite") return path.join(dir, name);
  if (!pgUrl) throw new Error("HINTLAB_TEST_DATABASE_URL is not set");
  admin ??= new PgDatabase(pgUrl);
  const schema = `t_${process.pid}_${Date.now().toString(36)}_${n++}`;
  admin.exec(`CREATE SCHEMA ${schema}`);
  const u = new URL(pgUrl);
  u.searchParams.set("options", `-c search_path=${schema}`);
  return u.toString();
}

/** Point the process's shared database (getDb) at a fresh test database of `backend`, through the env as the server reads it. */
export function stubTestDbEnv(stubEnv: (name: string, value: string) => unknown, backend: Backend, dir: string): void {
  if (backend === "sqlite") {
    stubEnv("HINTLAB_DATABASE_URL", "");
    stubEnv("HINTLAB_DB", path.join(dir, "t.db"));
  } else {
    stubEnv("HINTLAB_DATABASE_URL", testDbLocation(backend, dir));
  }
}

/** The environment that points a child process (the CLI) at the test database `location`. */
export function dbEnv(location: string): Record<string, string> {
  return location.startsWith("postgres") ? { HINTLAB_DATABASE_URL: location } : { HINTLAB_DB: location };
}

/** Close the shared database getDb opened, so a PostgreSQL test run does not pile up connections. */
export function closeSharedDb(): void {
  const g = globalThis as unknown as { __hintlabDb?: { db: { open: boolean; close(): unknown } } };
  if (g.__hintlabDb?.db.open) g.__hintlabDb.db.close();
  delete g.__hintlabDb;
}
