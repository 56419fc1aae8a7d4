import "server-only";
import { randomUUID } from "node:crypto";
import { currentOwner, ownerAlive, type Db } from "@/lib/db";
import {
  AppError,
  ExperimentSpecSchema,
  ProblemSchema,
  type DatasetImportResult,
  type DatasetSummary,
  type ExperimentItem,
  type ExperimentPolicy,
  type ExperimentProgress,
  type ExperimentSpec,
  type ExperimentSpecInput,
  type ExperimentStatus,
  type ExperimentSummary,
  type ItemStatus,
  type Problem,
  type ProblemPage,
} from "@/lib/protocol";
import { bundledDatasets, ensureBundledDatasets } from "./bundled";
import { parseDatasetJsonl, type ParsedDataset } from "./datasets";
import { parsePolicyLabel } from "./policies";
import { anyWorkerAlive, claimItems, joinWorker, leaveWorker, unfinishedCount, workerProgress } from "./workers";
import { endpointStatus, recordEndpoints } from "./endpoint-status";
import { finishItem, regradeItem, toItem, type ItemKey, type ItemOutcome, type ItemRow } from "./item-rows";
import type { EndpointStats } from "@/lib/providers/endpoint-pool";

export type { ItemKey, ItemOutcome } from "./item-rows";

/** A runner that has not written a heartbeat for this long is gone: its experiment shows as interrupted. */
export const HEARTBEAT_TIMEOUT_MS = 15_000;

interface ExperimentRow {
  id: string;
  name: string;
  dataset_id: string;
  dataset_name: string;
  spec: string;
  status: ExperimentStatus;
  heartbeat_at: number | null;
  owner_id: string | null;
  created_at: number;
  updated_at: number;
}

/** Policy labels of a spec resolved to policies (labels are parsed, objects kept). */
export function resolvePolicies(spec: Pick<ExperimentSpec, "policies">): ExperimentPolicy[] {
  return spec.policies.map((p) => (typeof p === "string" ? parsePolicyLabel(p) : p));
}

/** Datasets, problems, experiments and their items over SQLite (migration 3; bundled sets: migration 8, bundled.ts). */
export class ExperimentStore {
  constructor(readonly db: Db) {
    ensureBundledDatasets(db);
  }

  // ---- datasets ----

  /**
   * Import a JSONL problem set. `valid` mode stores the good lines and reports the bad ones;
   * `all-or-nothing` stores nothing when any line is bad. Importing the same content under the
   * same name again returns the existing dataset — one the user imported, never a bundled one:
   * an import is always the user's own copy, whatever the bundled sets hold.
   */
  importDataset(text: string, name: string, mode: "valid" | "all-or-nothing" = "valid", now = Date.now()): DatasetImportResult {
    return this.storeDataset(parseDatasetJsonl(text, name), name, mode, now);
  }

  /** Store a parsed problem set (parseDatasetStream: an upload read line by line); problems without a source get `name`. */
  storeDataset(parsed: ParsedDataset, name: string, mode: "valid" | "all-or-nothing" = "valid", now = Date.now()): DatasetImportResult {
    if (parsed.problems.length === 0 || (mode === "all-or-nothing" && parsed.errors.length > 0)) {
      return { dataset: null, imported: 0, errors: parsed.errors.length ? parsed.errors : [{ line: 0, reason: "no problems in the file" }] };
    }
    const existing = this.db.prepare("SELECT id FROM datasets WHERE name = ? AND content_hash = ? AND bundled IS NULL").get(name, parsed.contentHash) as { id: string } | undefined;
    if (existing) return { dataset: this.getDataset(existing.id), imported: 0, errors: parsed.errors };
    const id = randomUUID();
    this.db.transaction(() => {
      this.db.prepare("INSERT INTO datasets (id, name, content_hash, problem_count, created_at) VALUES (?, ?, ?, ?, ?)").run(id, name, parsed.contentHash, parsed.problems.length, now);
      const insert = this.db.prepare("INSERT INTO problems (dataset_id, idx, problem_id, kind, json) VALUES (?, ?, ?, ?, ?)");
      parsed.problems.forEach((p, i) => insert.run(id, i, p.id, p.kind, JSON.stringify(p.source ? p : { ...p, source: name })));
    })();
    return { dataset: this.getDataset(id), imported: parsed.problems.length, errors: parsed.errors };
  }

  getDataset(id: string): DatasetSummary {
    const row = this.db.prepare("SELECT * FROM datasets WHERE id = ?").get(id) as
      | { id: string; name: string; content_hash: string; problem_count: number; created_at: number; bundled: string | null }
      | undefined;
    if (!row) throw new AppError("not-found", `no dataset ${id}`);
    const kinds = Object.fromEntries(
      (this.db.prepare("SELECT kind, COUNT(*) AS n FROM problems WHERE dataset_id = ? GROUP BY kind").all(id) as { kind: string; n: number }[]).map((k) => [k.kind, k.n]),
    );
    const shipped = row.bundled === null ? undefined : bundledDatasets().find((b) => b.key === row.bundled);
    return {
      id: row.id,
      name: row.name,
      problemCount: row.problem_count,
      kinds,
      contentHash: row.content_hash,
      createdAt: row.created_at,
      ...(row.bundled !== null ? { bundled: { key: row.bundled, source: shipped?.source ?? "an earlier hintlab release", license: shipped?.license ?? "see datasets/README.md" } } : {}),
    };
  }

  /**
   * The user's imports, newest first, then the bundled sets in their shipped order. An earlier
   * release's version of a bundled set (kept only while an experiment uses it) is left out.
   */
  listDatasets(): DatasetSummary[] {
    const imported = this.db.prepare("SELECT id FROM datasets WHERE bundled IS NULL ORDER BY created_at DESC, id").all() as { id: string }[];
    const present = new Set((this.db.prepare("SELECT id FROM datasets WHERE bundled IS NOT NULL").all() as { id: string }[]).map((r) => r.id));
    const bundled = bundledDatasets().filter((b) => present.has(b.id));
    return [...imported.map((r) => r.id), ...bundled.map((b) => b.id)].map((id) => this.getDataset(id));
  }

  /**
   * Delete an imported dataset and its problems. A bundled set is read-only (it ships with
   * hintlab and would be seeded again), and a dataset an experiment uses stays: the experiment's
   * results and resume need its problems. Traces keep their own copy of each problem.
   */
  deleteDataset(id: string): void {
    const d = this.getDataset(id);
    if (d.bundled) throw new AppError("conflict", `"${d.name}" ships with hintlab and is read-only`, undefined, "bundled");
    const { n } = this.db.prepare("SELECT COUNT(*) AS n FROM experiments WHERE dataset_id = ?").get(id) as { n: number };
    if (n > 0) throw new AppError("conflict", `"${d.name}" is used by ${n} experiment${n === 1 ? "" : "s"}; it stays while they do`, undefined, "in-use");
    this.db.prepare("DELETE FROM datasets WHERE id = ?").run(id);
  }

  problems(datasetId: string, offset = 0, limit = Number.MAX_SAFE_INTEGER): ProblemPage {
    this.getDataset(datasetId);
    const total = (this.db.prepare("SELECT COUNT(*) AS n FROM problems WHERE dataset_id = ?").get(datasetId) as { n: number }).n;
    const rows = this.db.prepare("SELECT json FROM problems WHERE dataset_id = ? ORDER BY idx LIMIT ? OFFSET ?").all(datasetId, limit, offset) as { json: string }[];
    return { total, problems: rows.map((r) => ProblemSchema.parse(JSON.parse(r.json))) };
  }

  // ---- experiments ----

  /** Create an experiment and all its items (pending), keyed by (problem, policy, sample). */
  createExperiment(input: ExperimentSpecInput, now = Date.now()): ExperimentSummary {
    const spec = ExperimentSpecSchema.parse(input);
    let policies: ExperimentPolicy[];
    try {
      policies = resolvePolicies(spec);
    } catch (e) {
      throw new AppError("bad-request", (e as Error).message);
    }
    if (new Set(policies.map((p) => p.label)).size !== policies.length) throw new AppError("bad-request", "a policy label is listed twice");
    const dataset = this.getDataset(spec.datasetId);
    const problems = this.db
      .prepare("SELECT problem_id, idx FROM problems WHERE dataset_id = ? ORDER BY idx LIMIT ?")
      .all(spec.datasetId, spec.problemLimit ?? -1) as { problem_id: string; idx: number }[];
    const id = randomUUID();
    const name = spec.name ?? `${dataset.name} × ${policies.map((p) => p.label).join(", ")}`;
    this.db.transaction(() => {
      this.db
        .prepare("INSERT INTO experiments (id, name, dataset_id, spec, status, heartbeat_at, created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', NULL, ?, ?)")
        .run(id, name, spec.datasetId, JSON.stringify({ ...spec, policies }), now, now);
      const insert = this.db.prepare("INSERT INTO experiment_items (experiment_id, problem_id, problem_idx, policy, sample, updated_at) VALUES (?, ?, ?, ?, ?, ?)");
      // Sample-major order: with a partial run, every problem has its first sample before any has a second.
      for (let s = 0; s < spec.samples; s++) for (const p of problems) for (const pol of policies) insert.run(id, p.problem_id, p.idx, pol.label, s, now);
    })();
    return this.getExperiment(id, now);
  }

  private row(id: string): ExperimentRow {
    const row = this.db
      .prepare("SELECT e.*, d.name AS dataset_name FROM experiments e JOIN datasets d ON d.id = e.dataset_id WHERE e.id = ?")
      .get(id) as ExperimentRow | undefined;
    if (!row) throw new AppError("not-found", `no experiment ${id}`);
    return row;
  }

  getExperiment(id: string, now = Date.now(), live?: Partial<Pick<ExperimentProgress, "tokensPerSec" | "etaSec">>): ExperimentSummary {
    const row = this.row(id);
    const spec = ExperimentSpecSchema.parse(JSON.parse(row.spec));
    const counts = Object.fromEntries(
      (this.db.prepare("SELECT status, COUNT(*) AS n FROM experiment_items WHERE experiment_id = ? GROUP BY status").all(id) as { status: ItemStatus; n: number }[]).map((c) => [c.status, c.n]),
    ) as Partial<Record<ItemStatus, number>>;
    const done = counts.done ?? 0;
    const failed = counts.failed ?? 0;
    const running = counts.running ?? 0;
    const pending = counts.pending ?? 0;
    // Interrupted: its owner process is gone (swept at once, see lib/db/owners.ts) or went silent.
    // Items it left "running" are pending again.
    const workers = workerProgress(this.db, id, now);
    // With workers, the experiment runs while any of them lives (the owner is only the last to beat).
    const workerAlive = workers.length > 0 && anyWorkerAlive(this.db, id, now);
    const endpoints = endpointStatus(this.db, id, now);
    const stale =
      !workerAlive &&
      (row.status === "interrupted" ||
        (row.status === "running" && (row.heartbeat_at === null || now - row.heartbeat_at > HEARTBEAT_TIMEOUT_MS || !ownerAlive(this.db, row.owner_id, now))));
    return {
      id: row.id,
      name: row.name,
      kind: "dataset",
      datasetId: row.dataset_id,
      datasetName: row.dataset_name,
      status: stale ? "interrupted" : workerAlive && row.status === "interrupted" ? "running" : row.status,
      spec,
      policies: resolvePolicies(spec),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      progress: {
        total: done + failed + running + pending,
        done,
        failed,
        running: stale ? 0 : running,
        pending: stale ? pending + running : pending,
        tokensPerSec: live?.tokensPerSec ?? null,
        etaSec: live?.etaSec ?? null,
      },
      ...(workers.length ? { workers } : {}),
      ...(endpoints.length ? { endpoints } : {}),
    };
  }

  /** A runner's view of its model servers (see endpoint-status.ts). */
  recordEndpoints(id: string, runner: string, stats: readonly EndpointStats[], now = Date.now()): void {
    recordEndpoints(this.db, id, runner, stats, now);
  }

  /** The experiment, or undefined when there is none with this id (the CLI's "no experiment ID" message). */
  findExperiment(id: string, now = Date.now()): ExperimentSummary | undefined {
    return this.db.prepare("SELECT 1 FROM experiments WHERE id = ?").get(id) ? this.getExperiment(id, now) : undefined;
  }

  listExperiments(now = Date.now()): ExperimentSummary[] {
    return (this.db.prepare("SELECT id FROM experiments ORDER BY created_at DESC, id").all() as { id: string }[]).map((r) => this.getExperiment(r.id, now));
  }

  items(id: string): ExperimentItem[] {
    this.row(id);
    // The serving endpoint is read from the trace (its config records it): one truth, not a copy.
    const rows = this.db
      .prepare(
        `SELECT i.*, json_extract(t.config, '$.baseUrl') AS endpoint FROM experiment_items i LEFT JOIN traces t ON t.id = i.trace_id
         WHERE i.experiment_id = ? ORDER BY i.sample, i.problem_idx, i.policy`,
      )
      .all(id) as ItemRow[];
    return rows.map(toItem);
  }

  problemMap(datasetId: string): Map<string, Problem> {
    return new Map(this.problems(datasetId).problems.map((p) => [p.id, p]));
  }

  /** A run that starts records this process as its owner: when the process dies, the run is interrupted at once (lib/db/owners.ts). */
  setStatus(id: string, status: ExperimentStatus, now = Date.now()): void {
    const running = status === "running";
    this.db
      .prepare("UPDATE experiments SET status = ?, updated_at = ?, heartbeat_at = ?, owner_id = ? WHERE id = ?")
      .run(status, now, running ? now : null, running ? currentOwner(this.db, now) : null, id);
  }

  heartbeat(id: string, now = Date.now()): void {
    this.db.prepare("UPDATE experiments SET heartbeat_at = ?, updated_at = ? WHERE id = ?").run(now, now, id);
  }

  /**
   * Items to run on (re)start: everything not done. Items left `running` by a dead runner and
   * failed ones (model-server failures are transient) go back to pending.
   */
  claimUnfinished(id: string, now = Date.now()): ExperimentItem[] {
    this.db.prepare("UPDATE experiment_items SET status = 'pending', updated_at = ? WHERE experiment_id = ? AND status IN ('running', 'failed')").run(now, id);
    return (this.db.prepare("SELECT * FROM experiment_items WHERE experiment_id = ? AND status = 'pending' ORDER BY sample, problem_idx, policy").all(id) as ItemRow[]).map(toItem);
  }

  /** Join experiment `id` as a worker (see workers.ts); returns this process's owner id. */
  joinWorker(id: string, concurrency: number, now = Date.now()): string {
    this.row(id);
    return joinWorker(this.db, id, concurrency, now);
  }

  leaveWorker(id: string, now = Date.now()): void {
    leaveWorker(this.db, id, now);
  }

  /** Claim up to `n` pending items (or items of workers that are gone) for this worker. */
  claimItems(id: string, n: number, now = Date.now()): ExperimentItem[] {
    const keys = claimItems(this.db, id, n, now);
    const get = this.db.prepare("SELECT * FROM experiment_items WHERE experiment_id = ? AND problem_id = ? AND policy = ? AND sample = ?");
    return keys.map((k) => toItem(get.get(id, k.problem_id, k.policy, k.sample) as ItemRow));
  }

  unfinishedCount(id: string): number {
    return unfinishedCount(this.db, id);
  }

  /**
   * A worker's beat: the experiment is running (again, if a dead worker's owner id had it read as
   * interrupted) with this process as its owner. Joining (`join`) resumes a cancelled experiment
   * too, as `hintlab run --resume` does; a beat does not, so a cancel on the experiment's page
   * stops the workers at their next beat. A finished experiment stays so.
   */
  workerBeat(id: string, now = Date.now(), join = false): ExperimentStatus {
    this.db
      .prepare(`UPDATE experiments SET status = 'running', owner_id = ?, heartbeat_at = ?, updated_at = ? WHERE id = ? AND status IN ('running', 'interrupted', 'pending'${join ? ", 'cancelled'" : ""})`)
      .run(currentOwner(this.db, now), now, now, id);
    return this.row(id).status;
  }

  /** Run `fn` in one transaction (nested calls are savepoints): the runner's batched writes. */
  transaction(fn: () => void): void {
    this.db.transaction(fn)();
  }

  markRunning(id: string, key: ItemKey, now = Date.now()): void {
    this.db
      .prepare("UPDATE experiment_items SET status = 'running', updated_at = ? WHERE experiment_id = ? AND problem_id = ? AND policy = ? AND sample = ?")
      .run(now, id, key.problemId, key.policy, key.sample);
  }

  /** An item the runner gave up on without an outcome (cancelled): back to pending. */
  markPending(id: string, key: ItemKey, now = Date.now()): void {
    this.db
      .prepare("UPDATE experiment_items SET status = 'pending', updated_at = ? WHERE experiment_id = ? AND problem_id = ? AND policy = ? AND sample = ? AND status = 'running'")
      .run(now, id, key.problemId, key.policy, key.sample);
  }

  /**
   * Record an item's outcome. With `worker`, only while that worker still holds the item; false
   * when another took it over (this one was taken for dead), so the caller drops its result.
   */
  finishItem(id: string, key: ItemKey, o: ItemOutcome, now = Date.now(), worker?: string): boolean {
    return finishItem(this.db, id, key, o, now, worker);
  }

  /** A finished item graded again (regrade.ts): its current verdict replaced, the earlier grader's kept in the history. */
  regradeItem(id: string, key: ItemKey, g: Pick<ItemOutcome, "verdict" | "answer" | "codeFailures" | "grader">, now = Date.now()): void {
    regradeItem(this.db, id, key, g, now);
  }
}
