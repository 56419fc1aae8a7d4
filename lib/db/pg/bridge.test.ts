// The synchronous bridge against a real server (skipped without HINTLAB_TEST_DATABASE_URL).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IMMEDIATE_LOCK, PgDatabase, PgError } from "./bridge";
import { PG_BOOTSTRAP } from "./dialect";
import { testDbLocation } from "../test-backends";

const url = process.env.HINTLAB_TEST_DATABASE_URL;

describe.skipIf(!url)("PgDatabase", () => {
  let db: PgDatabase;
  beforeEach(() => {
    db = new PgDatabase(testDbLocation("postgres", ""));
    db.exec(PG_BOOTSTRAP);
    db.exec("CREATE TABLE kv (k TEXT PRIMARY KEY, n BIGINT, b BYTEA, r DOUBLE PRECISION)");
  });
  afterEach(() => db.close());

  const keys = () => db.prepare("SELECT k FROM kv ORDER BY k").pluck().all();

  it("answers synchronously with better-sqlite3's shapes: numbers for int8, Buffers for bytea, pluck and raw", () => {
    const r = db.prepare("INSERT INTO kv (k, n, b, r) VALUES (?, ?, ?, ?)").run("a", 2 ** 40, Buffer.from([1, 2, 3]), 0.5);
    expect(r.changes).toBe(1);
    const row = db.prepare("SELECT * FROM kv WHERE k = @k").get({ k: "a" }) as { n: number; b: Buffer; r: number };
    expect(row.n).toBe(2 ** 40);
    expect(Buffer.isBuffer(row.b) && [...row.b]).toEqual([1, 2, 3]);
    expect(row.r).toBe(0.5);
    expect(db.prepare("SELECT count(*) FROM kv").pluck().get()).toBe(1);
    expect(db.prepare("SELECT k, n FROM kv").raw().all()).toEqual([["a", 2 ** 40]]);
    expect([...db.prepare("SELECT k FROM kv").pluck().iterate()]).toEqual(["a"]);
    expect(db.prepare("SELECT k FROM kv WHERE k = ?").get("zz")).toBeUndefined();
  });

  it("a statement that outlives the timeout fails and closes the connection (its late answer is never read as another's)", () => {
    const slow = new PgDatabase(testDbLocation("postgres", ""), { timeoutMs: 300 });
    expect(() => slow.prepare("SELECT pg_sleep(2)").get()).toThrow(/did not answer within 300 ms/);
    expect(slow.open).toBe(false);
    expect(() => slow.prepare("SELECT 1 AS one").get()).toThrow(/not open/);
  });

  it("a transaction commits, a throwing one rolls back, a nested one is a savepoint", () => {
    const put = db.prepare("INSERT INTO kv (k) VALUES (?)");
    db.transaction(() => put.run("a"))();
    expect(() =>
      db.transaction(() => {
        put.run("b");
        throw new Error("no");
      })(),
    ).toThrow("no");
    expect(keys()).toEqual(["a"]);
    db.transaction(() => {
      put.run("c");
      expect(db.inTransaction).toBe(true);
      expect(() =>
        db.transaction(() => {
          put.run("d");
          throw new Error("inner");
        })(),
      ).toThrow("inner");
      put.run("e");
    })();
    expect(db.inTransaction).toBe(false);
    expect(keys()).toEqual(["a", "c", "e"]);
  });

  it("an immediate transaction holds the database's write lock until it ends, as SQLite's BEGIN IMMEDIATE", () => {
    const other = new PgDatabase(url!);
    const tryLock = () => other.prepare(`SELECT pg_try_advisory_xact_lock(${IMMEDIATE_LOCK}) AS got`).pluck().get();
    try {
      db.transaction(() => {
        expect(tryLock()).toBe(false);
        db.transaction(() => expect(tryLock()).toBe(false))();
      }).immediate();
      expect(tryLock()).toBe(true);
      db.transaction(() => expect(tryLock()).toBe(true))();
    } finally {
      other.close();
    }
  });

  it("a failing statement throws the server's error and leaves the connection usable", () => {
    db.prepare("INSERT INTO kv (k) VALUES (?)").run("a");
    expect(() => db.prepare("INSERT INTO kv (k) VALUES (?)").run("a")).toThrow(PgError);
    expect(() => db.transaction(() => db.prepare("INSERT INTO kv (k) VALUES (?)").run("a"))()).toThrow(/duplicate key/);
    expect(db.inTransaction).toBe(false);
    expect(keys()).toEqual(["a"]);
  });

  it("the SQLite idioms the dialect supports behave as on SQLite on the server", () => {
    const put = db.prepare("INSERT INTO kv (k, n) VALUES (?, ?)");
    for (const [k, n] of [["a", 1], ["b", 2], ["c", null]] as const) put.run(k, n);
    expect(db.prepare("SELECT sum(n > 1) AS big, sum(k = 'zz') AS none FROM kv").get()).toEqual({ big: 1, none: 0 });
    expect(db.prepare("SELECT sum(n > 1) AS s FROM kv WHERE k = 'zz'").get()).toEqual({ s: null });
    expect(db.prepare("SELECT k FROM kv ORDER BY k LIMIT ?").pluck().all(-1)).toEqual(["a", "b", "c"]);
    expect(db.prepare("SELECT k FROM kv ORDER BY k LIMIT ?").pluck().all(1)).toEqual(["a"]);
    expect(db.prepare("SELECT k FROM kv WHERE n IS ? ORDER BY k").pluck().all(null)).toEqual(["c"]);
    expect(db.prepare("SELECT k FROM kv WHERE n IS NOT ? ORDER BY k").pluck().all(1)).toEqual(["b", "c"]);
    expect(db.prepare("SELECT k FROM kv WHERE k LIKE ?").pluck().all("A%")).toEqual(["a"]);
  });

  it("a closed database refuses queries", () => {
    db.close();
    expect(() => db.prepare("SELECT 1").get()).toThrow(/not open/);
    db = new PgDatabase(url!);
  });
});

describe("PgDatabase without a server", () => {
  it("fails the first query with the connection error instead of blocking", () => {
    const db = new PgDatabase("postgres://nobody@127.0.0.1:1/none");
    expect(() => db.prepare("SELECT 1").get()).toThrow(/cannot connect to PostgreSQL: .*ECONNREFUSED/);
    db.close();
  });
});
