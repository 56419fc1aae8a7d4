// The thread that owns the PostgreSQL connection of one PgDatabase (bridge.ts). The main thread
// posts { sql, values, rowMode } on `port` and sleeps in Atomics.wait on `flag`; this thread runs
// the query, posts the answer and only then flips the flag, so the answer is always queued by the
// time the main thread wakes. One connection per database: transactions are connection state.
import pg from "pg";
import { workerData } from "node:worker_threads";

const { port, flag, url } = workerData;
const signal = new Int32Array(flag);

// int8 (COUNT(*), BIGINT columns) and numeric come back as strings by default; hintlab stores
// millisecond times and counts well inside 2^53, and better-sqlite3 hands out numbers.
pg.types.setTypeParser(20, (v) => Number(v));
pg.types.setTypeParser(1700, (v) => Number(v));

const client = new pg.Client({ connectionString: url });
let ready = client.connect().then(
  () => null,
  (e) => e,
);

function answer(msg) {
  port.postMessage(msg);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
}

port.on("message", async (req) => {
  if (req.close) {
    await client.end().catch(() => {});
    answer({ ok: true });
    port.close();
    return;
  }
  const failed = await ready;
  if (failed) return answer({ error: { message: `cannot connect to PostgreSQL: ${failed.message}`, code: failed.code } });
  try {
    const r = await client.query({ text: req.sql, values: req.values, rowMode: req.rowMode });
    answer({ rows: r.rows, rowCount: r.rowCount ?? 0, fields: r.fields?.map((f) => f.name) ?? [] });
  } catch (e) {
    answer({ error: { message: e.message, code: e.code, detail: e.detail, constraint: e.constraint } });
  }
});
