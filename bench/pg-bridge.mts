import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PgDatabase } from "../lib/db/pg/bridge";

const N = Number(process.env.BENCH_N ?? 5000);
const url = process.env.HINTLAB_TEST_DATABASE_URL!;

interface Like {
  exec(sql: string): unknown;
  prepare(sql: string): { get(...a: unknown[]): unknown; run(...a: unknown[]): unknown };
  transaction<F extends (...a: never[]) => unknown>(fn: F): F;
}

function measure(label: string, db: Like): void {
  db.exec("DROP TABLE IF EXISTS bench; CREATE TABLE bench (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
  const sel = db.prepare("SELECT 1 AS one WHERE ? = ?");
  const ins = db.prepare("INSERT INTO bench (id, v) VALUES (?, ?)");
  for (let i = 0; i < 200; i++) sel.get(i, i); // warm-up
  let t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) sel.get(i, i);
  const selUs = Number(process.hrtime.bigint() - t) / 1000 / N;
  t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) ins.run(i, "x".repeat(50));
  const insUs = Number(process.hrtime.bigint() - t) / 1000 / N;
  db.exec("DELETE FROM bench");
  t = process.hrtime.bigint();
  db.transaction(() => {
    for (let i = 0; i < N; i++) ins.run(i, "x".repeat(50));
  })();
  const txUs = Number(process.hrtime.bigint() - t) / 1000 / N;
  console.log(`${label.padEnd(28)} SELECT ${selUs.toFixed(1).padStart(7)} µs   INSERT (autocommit) ${insUs.toFixed(1).padStart(7)} µs   INSERT (in one transaction) ${txUs.toFixed(1).padStart(7)} µs`);
}

const dir = mkdtempSync(path.join(tmpdir(), "hintlab-bench-"));
try {
  const lite = new Database(path.join(dir, "b.db"));
  lite.pragma("journal_mode = WAL");
  lite.pragma("synchronous = NORMAL");
  measure("better-sqlite3 (file, WAL)", lite as unknown as Like);
  lite.close();
  const pg = new PgDatabase(url);
  measure("PostgreSQL via sync bridge", pg as unknown as Like);
  pg.exec("DROP TABLE bench");
  pg.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`(${N} statements each; the PostgreSQL figures include the local server's own work, on ${process.env.HINTLAB_TEST_DATABASE_URL ? "127.0.0.1" : "?"})`);
