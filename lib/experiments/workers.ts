import "server-only";
import { hostname } from "node:os";
import { currentOwner, isPostgres, ownerAlive, type Db } from "@/lib/db";
import type { ExperimentWorker } from "@/lib/protocol";

/**
 * Several processes — `hintlab worker --experiment ID` on one machine or many sharing the
 * database — running one experiment. A worker is an owner (lib/db/owners.ts): it claims items
 * for itself, and its owner heartbeat is the lease on what it claimed. An item is claimable when
 * it is pending, or running under a worker that is gone (dead pid on this machine, or silent
 * for OWNER_TIMEOUT_MS), so a killed worker's items are taken over and nothing is lost; a live
 * worker's items are never taken, so nothing runs twice.
 *
 * SQLite serialises writers, so a claim in an IMMEDIATE transaction cannot hand one item to two
 * workers. On PostgreSQL the same query runs as `SELECT … FOR UPDATE SKIP LOCKED` in an ordinary
 * transaction: concurrent claims lock disjoint rows instead of waiting for each other, and a row
 * claimed meanwhile is re-checked against the WHERE clause when locked (so never taken twice).
 */

export interface ClaimedItem {
  problem_id: string;
  policy: string;
  sample: number;
}

/** This process joins experiment `id` as a worker (again, if it had left). */
export function joinWorker(db: Db, id: string, concurrency: number, now = Date.now()): string {
  const owner = currentOwner(db, now);
  db.prepare(
    `INSERT INTO experiment_workers (experiment_id, owner_id, host, pid, concurrency, joined_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (experiment_id, owner_id) DO UPDATE SET left_at = NULL, concurrency = excluded.concurrency`,
  ).run(id, owner, hostname(), process.pid, concurrency, now);
  return owner;
}

export function leaveWorker(db: Db, id: string, now = Date.now()): void {
  db.prepare("UPDATE experiment_workers SET left_at = ? WHERE experiment_id = ? AND owner_id = ?").run(now, id, currentOwner(db, now));
}

/** Claim up to `n` items of experiment `id` for this process, in the experiment's order (sample-major). */
export function claimItems(db: Db, id: string, n: number, now = Date.now()): ClaimedItem[] {
  const me = currentOwner(db, now);
  const pg = isPostgres(db);
  const claim = db.transaction(() => {
    const holders = (db.prepare("SELECT DISTINCT worker FROM experiment_items WHERE experiment_id = ? AND status = 'running'").all(id) as { worker: string | null }[]).map((r) => r.worker);
    // Items running under no worker belong to a plain `hintlab run` (or the server): only
    // taken when that runner is gone, which the experiment's own status says.
    const gone = holders.filter((w) => w !== null && w !== me && !ownerAlive(db, w, now)) as string[];
    const runnerGone = holders.includes(null) && !experimentRunnerAlive(db, id, now);
    const taken = `status = 'running' AND (${gone.length ? `worker IN (${gone.map(() => "?").join(",")})` : "FALSE"}${runnerGone ? " OR worker IS NULL" : ""})`;
    const rows = db
      .prepare(
        `SELECT problem_id, policy, sample FROM experiment_items WHERE experiment_id = ? AND (status = 'pending' OR (${taken}))
         ORDER BY sample, problem_idx, policy LIMIT ?${pg ? " FOR UPDATE SKIP LOCKED" : ""}`,
      )
      .all(id, ...gone, n) as ClaimedItem[];
    const mark = db.prepare(
      "UPDATE experiment_items SET status = 'running', worker = ?, updated_at = ? WHERE experiment_id = ? AND problem_id = ? AND policy = ? AND sample = ?",
    );
    for (const r of rows) mark.run(me, now, id, r.problem_id, r.policy, r.sample);
    return rows;
  });
  return pg ? claim() : claim.immediate();
}

function experimentRunnerAlive(db: Db, id: string, now: number): boolean {
  const row = db.prepare("SELECT status, owner_id FROM experiments WHERE id = ?").get(id) as { status: string; owner_id: string | null } | undefined;
  return row?.status === "running" && ownerAlive(db, row.owner_id, now) && !isWorker(db, id, row.owner_id);
}

function isWorker(db: Db, id: string, owner: string | null): boolean {
  return owner !== null && db.prepare("SELECT 1 FROM experiment_workers WHERE experiment_id = ? AND owner_id = ?").get(id, owner) !== undefined;
}

/** Items of `id` not finished yet (pending, or running anywhere). */
export function unfinishedCount(db: Db, id: string): number {
  return (db.prepare("SELECT COUNT(*) AS n FROM experiment_items WHERE experiment_id = ? AND status IN ('pending', 'running')").get(id) as { n: number }).n;
}

/** Progress per worker that ever joined `id` (empty for an experiment run by one process). */
export function workerProgress(db: Db, id: string, now = Date.now()): ExperimentWorker[] {
  const workers = db.prepare("SELECT owner_id, host, pid, concurrency, joined_at, left_at FROM experiment_workers WHERE experiment_id = ? ORDER BY joined_at, owner_id").all(id) as {
    owner_id: string;
    host: string;
    pid: number;
    concurrency: number;
    joined_at: number;
    left_at: number | null;
  }[];
  if (workers.length === 0) return [];
  const counts = db.prepare("SELECT worker, status, COUNT(*) AS n FROM experiment_items WHERE experiment_id = ? AND worker IS NOT NULL GROUP BY worker, status").all(id) as {
    worker: string;
    status: string;
    n: number;
  }[];
  return workers.map((w) => {
    const of = (status: string) => counts.find((c) => c.worker === w.owner_id && c.status === status)?.n ?? 0;
    const alive = w.left_at === null && ownerAlive(db, w.owner_id, now);
    return {
      id: w.owner_id,
      host: w.host,
      pid: w.pid,
      concurrency: w.concurrency,
      joinedAt: w.joined_at,
      state: alive ? "working" : w.left_at !== null ? "left" : "gone",
      running: alive ? of("running") : 0,
      done: of("done"),
      failed: of("failed"),
    };
  });
}

/** Whether any worker of `id` is alive (the experiment is running while one is). */
export function anyWorkerAlive(db: Db, id: string, now = Date.now()): boolean {
  const rows = db.prepare("SELECT owner_id FROM experiment_workers WHERE experiment_id = ? AND left_at IS NULL").all(id) as { owner_id: string }[];
  return rows.some((r) => ownerAlive(db, r.owner_id, now));
}
