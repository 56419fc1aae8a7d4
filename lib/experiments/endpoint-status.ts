import "server-only";
import type { Db } from "@/lib/db";
import type { EndpointStats } from "@/lib/providers/endpoint-pool";
import type { ExperimentEndpoint } from "@/lib/protocol";

/**
 * Live counters of the model servers an experiment uses, for its page. Each runner — the app's
 * run, each `hintlab worker` on any machine — has its own endpoint pool, so each writes its own
 * row per endpoint (on its one-second beat, and once more as it stops) and the page sums them:
 * requests in flight over the runners alive now, requests served and failures over every run.
 * A runner that stopped reporting (finished, killed) for STALE_MS counts for its totals only,
 * and a server no live runner reports on is "idle" rather than whatever it was last seen as.
 */

export const STALE_MS = 10_000;

/** Write `runner`'s view of each endpoint (its pool's `stats()`). */
export function recordEndpoints(db: Db, experimentId: string, runner: string, stats: readonly EndpointStats[], now = Date.now()): void {
  if (stats.length === 0) return;
  const put = db.prepare(
    `INSERT INTO experiment_endpoints (experiment_id, runner, url, state, outstanding, max_concurrent, served, failures, last_error, next_probe_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (experiment_id, runner, url) DO UPDATE SET state = excluded.state, outstanding = excluded.outstanding,
       max_concurrent = excluded.max_concurrent, served = excluded.served, failures = excluded.failures,
       last_error = excluded.last_error, next_probe_at = excluded.next_probe_at, updated_at = excluded.updated_at`,
  );
  db.transaction(() => {
    for (const s of stats) put.run(experimentId, runner, s.url, s.state, s.outstanding, s.maxConcurrent, s.served, s.failures, s.lastError, s.nextProbeAt, now);
  })();
}

interface Row {
  runner: string;
  url: string;
  state: string;
  outstanding: number;
  max_concurrent: number | null;
  served: number;
  failures: number;
  last_error: string | null;
  next_probe_at: number | null;
  updated_at: number;
}

/** Each endpoint of experiment `id`, summed over its runners, by URL. */
export function endpointStatus(db: Db, id: string, now = Date.now()): ExperimentEndpoint[] {
  const rows = db.prepare("SELECT runner, url, state, outstanding, max_concurrent, served, failures, last_error, next_probe_at, updated_at FROM experiment_endpoints WHERE experiment_id = ? ORDER BY url, runner").all(id) as Row[];
  const byUrl = new Map<string, ExperimentEndpoint & { lastErrorAt: number }>();
  for (const r of rows) {
    const live = now - r.updated_at <= STALE_MS;
    const e = byUrl.get(r.url) ?? { url: r.url, state: "idle", outstanding: 0, maxConcurrent: r.max_concurrent, served: 0, failures: 0, lastError: null, nextProbeAt: null, updatedAt: 0, lastErrorAt: -1 };
    e.served += r.served;
    e.failures += r.failures;
    e.updatedAt = Math.max(e.updatedAt, r.updated_at);
    if (r.last_error !== null && r.updated_at > e.lastErrorAt) {
      e.lastError = r.last_error;
      e.lastErrorAt = r.updated_at;
    }
    if (live) {
      e.outstanding += r.outstanding;
      if (r.state === "down") {
        e.state = "down";
        if (r.next_probe_at !== null) e.nextProbeAt = e.nextProbeAt === null ? r.next_probe_at : Math.min(e.nextProbeAt, r.next_probe_at);
      } else if (e.state === "idle") e.state = "up";
      if (r.max_concurrent !== null) e.maxConcurrent = r.max_concurrent;
    }
    byUrl.set(r.url, e);
  }
  return [...byUrl.values()].map(({ lastErrorAt: _, ...e }) => e);
}
