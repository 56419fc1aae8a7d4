import "server-only";
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Db } from "./sqlite";

/**
 * Which process owns a run. Every process that runs something — the server (live traces it
 * relays, experiments it drives) or a CLI run — registers once as an owner and heartbeats.
 * A run records its owner; when that owner is gone the run is interrupted *at once*, not after
 * a timeout: on the same machine a dead pid settles it (a server killed with -9 and restarted
 * sweeps its predecessor's runs before it answers the first request); on another machine, a
 * heartbeat older than OWNER_TIMEOUT_MS does.
 *
 * Why not trust the pid alone: in a container the restarted server often gets the same pid as
 * the one that died, and pids are reused — so a pid that is this process's own but an owner id
 * that is not is dead, and any owner must also have heartbeat recently.
 */

export const OWNER_HEARTBEAT_MS = 5_000;
/** An owner silent for this long is gone (three missed heartbeats). */
export const OWNER_TIMEOUT_MS = 15_000;

interface OwnerRow {
  id: string;
  host: string;
  pid: number;
  heartbeat_at: number;
}

// On globalThis, like the connection itself (sqlite.ts): a dev reload re-evaluates this module,
// and a second owner id for the same process would make it declare its own runs orphaned.
const g = globalThis as unknown as { __hintlabOwners?: WeakMap<Db, string> };
const owners = (g.__hintlabOwners ??= new WeakMap<Db, string>());

/** This process's owner id on `db`, registering it (and sweeping orphans) the first time. */
export function currentOwner(db: Db, now = Date.now()): string {
  let id = owners.get(db);
  if (id) return id;
  id = randomUUID();
  owners.set(db, id);
  db.prepare("INSERT INTO owners (id, host, pid, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?)").run(id, hostname(), process.pid, now, now);
  sweepOrphans(db, now);
  const timer = setInterval(() => {
    if (!db.open) return clearInterval(timer);
    try {
      const t = Date.now();
      db.prepare("UPDATE owners SET heartbeat_at = ? WHERE id = ?").run(t, id);
      sweepOrphans(db, t);
    } catch {
      // a busy or closing database: the next beat tries again
    }
  }, OWNER_HEARTBEAT_MS);
  timer.unref?.();
  return id;
}

/** Whether the owner `id` is still running (see the module comment for how it is decided). */
export function ownerAlive(db: Db, id: string | null, now = Date.now()): boolean {
  if (!id) return false;
  if (owners.get(db) === id) return true;
  const row = db.prepare("SELECT id, host, pid, heartbeat_at FROM owners WHERE id = ?").get(id) as OwnerRow | undefined;
  if (!row) return false;
  if (now - row.heartbeat_at > OWNER_TIMEOUT_MS) return false;
  if (row.host !== hostname()) return true;
  if (row.pid === process.pid) return false;
  return pidExists(row.pid);
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Mark the runs of dead owners interrupted: live traces (their writer's server is gone, so
 * nothing can be generating them), running experiments and sweeps. Runs with no recorded owner come
 * from before owners existed and are orphans too. Dead owners' rows are then removed.
 */
export function sweepOrphans(db: Db, now = Date.now()): { traces: number; experiments: number } {
  const candidates = new Set<string | null>([
    ...(db.prepare("SELECT DISTINCT writer_owner AS o FROM traces WHERE status IN ('generating','paused','executing','idle')").all() as { o: string | null }[]).map((r) => r.o),
    ...(db.prepare("SELECT DISTINCT owner_id AS o FROM experiments WHERE status = 'running'").all() as { o: string | null }[]).map((r) => r.o),
    ...(db.prepare("SELECT DISTINCT owner_id AS o FROM sweeps WHERE status = 'running'").all() as { o: string | null }[]).map((r) => r.o),
  ]);
  let traces = 0;
  let experiments = 0;
  for (const owner of candidates) {
    if (ownerAlive(db, owner, now)) continue;
    db.transaction(() => {
      const ownerSql = owner === null ? "IS NULL" : "= ?";
      const args = owner === null ? [] : [owner];
      traces += db
        .prepare(`UPDATE traces SET status = 'interrupted' WHERE status IN ('generating','paused','executing','idle') AND writer_owner ${ownerSql}`)
        .run(...args).changes;
      experiments += db.prepare(`UPDATE experiments SET status = 'interrupted', updated_at = ? WHERE status = 'running' AND owner_id ${ownerSql}`).run(now, ...args).changes;
      // Sweeps are experiments too (counted with them).
      experiments += db.prepare(`UPDATE sweeps SET status = 'interrupted', updated_at = ? WHERE status = 'running' AND owner_id ${ownerSql}`).run(now, ...args).changes;
    })();
  }
  db.prepare("DELETE FROM owners WHERE heartbeat_at < ?").run(now - 24 * 3600_000);
  return { traces, experiments };
}
