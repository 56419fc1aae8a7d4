import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { WriteQueue } from "./write-queue";

function table() {
  const db = new Database(":memory:");
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
  let commits = 0;
  const tx = (fn: () => void) => {
    const outer = !db.inTransaction;
    db.transaction(fn)();
    if (outer) commits++;
  };
  return { db, tx, commits: () => commits, count: () => (db.prepare("SELECT count(*) AS n FROM t").get() as { n: number }).n };
}

describe("WriteQueue", () => {
  it("writes what finished within the delay in one transaction", async () => {
    const { db, tx, commits, count } = table();
    const q = new WriteQueue(tx, { delayMs: 20 });
    for (let i = 0; i < 50; i++) q.push(() => void db.prepare("INSERT INTO t (v) VALUES (?)").run(`row ${i}`));
    expect(count()).toBe(0); // nothing written yet: queued
    await new Promise((r) => setTimeout(r, 60));
    expect(count()).toBe(50);
    expect(commits()).toBe(1);
    expect(q.stats()).toEqual({ written: 50, dropped: 0, transactions: 1 });
  });

  it("a failing write is undone alone; the others commit and close() throws the failure", async () => {
    const { db, tx, count } = table();
    const q = new WriteQueue(tx);
    q.push(() => void db.prepare("INSERT INTO t (id, v) VALUES (1, 'a')").run());
    q.push(() => {
      db.prepare("INSERT INTO t (id, v) VALUES (2, 'b')").run(); // undone with its savepoint
      db.prepare("INSERT INTO t (id, v) VALUES (3, NULL)").run();
    });
    q.push(() => void db.prepare("INSERT INTO t (id, v) VALUES (4, 'd')").run());
    await expect(q.close()).rejects.toThrow(/NOT NULL/);
    expect(count()).toBe(2);
    expect(db.prepare("SELECT id FROM t ORDER BY id").pluck().all()).toEqual([1, 4]);
  });

  it("splits a long queue into slices and lets the event loop run between them", async () => {
    const { db, tx, count } = table();
    const q = new WriteQueue(tx, { sliceMs: 2 });
    const slowWrite = (i: number) => () => {
      const until = performance.now() + 1;
      while (performance.now() < until); // a write that costs 1 ms (a long trace)
      db.prepare("INSERT INTO t (v) VALUES (?)").run(String(i));
    };
    for (let i = 0; i < 40; i++) q.push(slowWrite(i));
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 0);
    await q.flush();
    clearInterval(ticker);
    expect(count()).toBe(40);
    expect(q.stats().transactions).toBeGreaterThanOrEqual(10);
    expect(ticks).toBeGreaterThan(0);
  });

  it("a full queue is written at once, without waiting for the delay", async () => {
    const { db, tx, count } = table();
    const q = new WriteQueue(tx, { delayMs: 60_000, maxQueued: 8 });
    for (let i = 0; i < 8; i++) q.push(() => void db.prepare("INSERT INTO t (v) VALUES ('x')").run());
    await new Promise((r) => setImmediate(r));
    expect(count()).toBe(8);
    await q.close();
  });
});
