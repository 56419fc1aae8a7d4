import "server-only";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { currentOwner, ownerAlive, type Db } from "@/lib/db";
import {
  AppError,
  ExperimentModelSchema,
  SweepOutcomeSchema,
  SweepSpecSchema,
  type ExperimentStatus,
  type ItemStatus,
  type SweepListEntry,
  type SweepOutcome,
  type SweepSpec,
} from "@/lib/protocol";
import { endpointLabel } from "@/lib/providers";
import type { SweepPlan } from "@/lib/sweeps";
import { HEARTBEAT_TIMEOUT_MS } from "./store";

/**
 * Sweeps over SQLite (migration "sweeps"): the spec, the plan's arms and positions as created,
 * how to run it (model, concurrency, budget, retries), and one row per planned item. Like
 * experiments, a running sweep heartbeats and records its owner process; one whose owner is gone
 * reads as interrupted and can be resumed.
 */

/** An arm as stored: its key, a label for people, and what it injects (a hint's text resolved when the sweep was created). */
const StoredArmSchema = z.object({
  key: z.string(),
  label: z.string(),
  kind: z.enum(["hint", "text", "none"]),
  hintId: z.string().optional(),
  text: z.string().optional(),
});
export type StoredArm = z.infer<typeof StoredArmSchema>;

const StoredPlanSchema = z.object({
  arms: z.array(StoredArmSchema),
  positions: z.array(z.object({ segment: z.number().int(), offset: z.number().int(), textOffset: z.number().int(), label: z.string().optional() })),
});
export type StoredPlan = z.infer<typeof StoredPlanSchema>;

/** How a sweep runs; `model` may hold a base URL only when the CLI created it (the HTTP API refuses one). */
export const SweepRunSettingsSchema = z.object({
  model: ExperimentModelSchema,
  concurrency: z.number().int().min(1).max(64),
  /** Completion tokens each sample may write after the point; undefined = the source trace's budget. */
  maxTokens: z.number().int().positive().optional(),
  retry: z.object({ tries: z.number().int().min(1).max(10), delaysMs: z.array(z.number().int().min(0)).max(10) }),
});
export type SweepRunSettings = z.infer<typeof SweepRunSettingsSchema>;

/** The tokens one sample cost (summed over its model requests). */
export interface ItemCost {
  promptTokens: number;
  cachedTokens: number;
  completionTokens: number;
  /** Prompt tokens of the sample's first request: the shared prefix plus the arm. */
  prefixTokens?: number;
  /** Tokens the local model evaluated for this sample (its meter), when known. */
  tokensEvaluated?: number;
}

export interface SweepItemRecord {
  id: string;
  idx: number;
  arm: string;
  position: number;
  sample: number;
  seed: number;
  status: ItemStatus;
  traceId: string | null;
  outcome: SweepOutcome | null;
  error: string | null;
  attempts: number;
  cost: ItemCost;
  /** The model server the sample's trace ran on (its config's baseUrl, without credentials); absent for the local model. */
  endpoint?: string;
}

export interface SweepRecord {
  id: string;
  name: string;
  traceId: string;
  spec: SweepSpec;
  plan: StoredPlan;
  run: SweepRunSettings;
  status: ExperimentStatus;
  createdAt: number;
  updatedAt: number;
}

interface SweepRow {
  id: string;
  name: string;
  trace_id: string;
  spec: string;
  plan: string;
  run: string;
  status: ExperimentStatus;
  heartbeat_at: number | null;
  owner_id: string | null;
  created_at: number;
  updated_at: number;
}

interface ItemRow {
  item_id: string;
  idx: number;
  arm: string;
  position: number;
  sample: number;
  seed: number;
  status: ItemStatus;
  trace_id: string | null;
  outcome: string | null;
  error: string | null;
  attempts: number;
  prompt_tokens: number;
  cached_tokens: number;
  completion_tokens: number;
  prefix_tokens: number | null;
  tokens_evaluated: number | null;
  /** Joined from the item's trace in items(). */
  endpoint?: string | null;
}

function toItem(r: ItemRow): SweepItemRecord {
  return {
    id: r.item_id,
    idx: r.idx,
    arm: r.arm,
    position: r.position,
    sample: r.sample,
    seed: r.seed,
    status: r.status,
    traceId: r.trace_id,
    outcome: r.outcome ? SweepOutcomeSchema.parse(JSON.parse(r.outcome)) : null,
    error: r.error,
    attempts: r.attempts,
    cost: {
      promptTokens: r.prompt_tokens,
      cachedTokens: r.cached_tokens,
      completionTokens: r.completion_tokens,
      ...(r.prefix_tokens !== null ? { prefixTokens: r.prefix_tokens } : {}),
      ...(r.tokens_evaluated !== null ? { tokensEvaluated: r.tokens_evaluated } : {}),
    },
    ...(r.endpoint ? { endpoint: endpointLabel(r.endpoint) } : {}),
  };
}

/** Short ids: they are part of every sample's tags (`sweep:<id>:<arm>@<position>`), which the tag editor caps at 50 characters. */
const newSweepId = () => randomUUID().replace(/-/g, "").slice(0, 12);

export class SweepStore {
  constructor(readonly db: Db) {}

  /** Store a planned sweep and all its items (pending, in plan order). */
  create(args: { name: string; spec: SweepSpec; plan: SweepPlan; stored: StoredPlan; run: SweepRunSettings }, now = Date.now()): string {
    const id = newSweepId();
    this.db.transaction(() => {
      this.db
        .prepare("INSERT INTO sweeps (id, name, trace_id, spec, plan, run, status, heartbeat_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', NULL, ?, ?)")
        .run(id, args.name, args.spec.traceId, JSON.stringify(args.spec), JSON.stringify(args.stored), JSON.stringify(args.run), now, now);
      const insert = this.db.prepare("INSERT INTO sweep_items (sweep_id, item_id, idx, arm, position, sample, seed, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
      args.plan.items.forEach((it, idx) => insert.run(id, it.id, idx, it.arm, it.position, it.sample, it.seed, now));
    })();
    return id;
  }

  private row(id: string): SweepRow {
    const row = this.db.prepare("SELECT * FROM sweeps WHERE id = ?").get(id) as SweepRow | undefined;
    if (!row) throw new AppError("not-found", `no sweep ${id}`);
    return row;
  }

  /** Whether the sweep's runner is gone (its owner died or went silent): it then reads as interrupted. */
  private stale(row: SweepRow, now: number): boolean {
    return (
      row.status === "interrupted" ||
      (row.status === "running" && (row.heartbeat_at === null || now - row.heartbeat_at > HEARTBEAT_TIMEOUT_MS || !ownerAlive(this.db, row.owner_id, now)))
    );
  }

  get(id: string, now = Date.now()): SweepRecord {
    const row = this.row(id);
    return {
      id: row.id,
      name: row.name,
      traceId: row.trace_id,
      spec: SweepSpecSchema.parse(JSON.parse(row.spec)),
      plan: StoredPlanSchema.parse(JSON.parse(row.plan)),
      run: SweepRunSettingsSchema.parse(JSON.parse(row.run)),
      status: this.stale(row, now) ? "interrupted" : row.status,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  items(id: string): SweepItemRecord[] {
    // The serving endpoint is read from the sample's trace, as for experiment items.
    const rows = this.db
      .prepare("SELECT i.*, json_extract(t.config, '$.baseUrl') AS endpoint FROM sweep_items i LEFT JOIN traces t ON t.id = i.trace_id WHERE i.sweep_id = ? ORDER BY i.idx")
      .all(id) as ItemRow[];
    return rows.map(toItem);
  }

  /** Item counts; items a dead runner left `running` count as pending. */
  progress(id: string, now = Date.now()): { total: number; done: number; failed: number; running: number; pending: number } {
    const row = this.row(id);
    const counts = Object.fromEntries(
      (this.db.prepare("SELECT status, COUNT(*) AS n FROM sweep_items WHERE sweep_id = ? GROUP BY status").all(id) as { status: ItemStatus; n: number }[]).map((c) => [c.status, c.n]),
    ) as Partial<Record<ItemStatus, number>>;
    const stale = this.stale(row, now);
    const done = counts.done ?? 0;
    const failed = counts.failed ?? 0;
    const running = counts.running ?? 0;
    const pending = counts.pending ?? 0;
    return { total: done + failed + running + pending, done, failed, running: stale ? 0 : running, pending: stale ? pending + running : pending };
  }

  list(now = Date.now()): SweepListEntry[] {
    return (this.db.prepare("SELECT id FROM sweeps ORDER BY created_at DESC, id").all() as { id: string }[]).map((r) => {
      const s = this.get(r.id, now);
      return {
        id: s.id,
        name: s.name,
        kind: "sweep" as const,
        status: s.status,
        spec: s.spec,
        traceId: s.traceId,
        progress: { ...this.progress(r.id, now), tokensPerSec: null, etaSec: null },
        createdAt: s.createdAt,
        updatedAt: s.updatedAt,
      };
    });
  }

  /** A run that starts records this process as its owner (see lib/db/owners.ts). */
  setStatus(id: string, status: ExperimentStatus, now = Date.now()): void {
    const running = status === "running";
    this.db
      .prepare("UPDATE sweeps SET status = ?, updated_at = ?, heartbeat_at = ?, owner_id = ? WHERE id = ?")
      .run(status, now, running ? now : null, running ? currentOwner(this.db, now) : null, id);
  }

  heartbeat(id: string, now = Date.now()): void {
    this.db.prepare("UPDATE sweeps SET heartbeat_at = ?, updated_at = ? WHERE id = ?").run(now, now, id);
  }

  /**
   * On (re)start: items a dead or cancelled runner left `running` are pending again (they never
   * finished). Returns the ids that are done or failed — those never run again.
   */
  claim(id: string, now = Date.now()): string[] {
    this.db.prepare("UPDATE sweep_items SET status = 'pending', updated_at = ? WHERE sweep_id = ? AND status = 'running'").run(now, id);
    return (this.db.prepare("SELECT item_id FROM sweep_items WHERE sweep_id = ? AND status IN ('done', 'failed') ORDER BY idx").all(id) as { item_id: string }[]).map((r) => r.item_id);
  }

  markRunning(id: string, itemId: string, now = Date.now()): void {
    this.db.prepare("UPDATE sweep_items SET status = 'running', updated_at = ? WHERE sweep_id = ? AND item_id = ?").run(now, id, itemId);
  }

  /** An item given up without an outcome (cancelled): back to pending. */
  markPending(id: string, itemId: string, now = Date.now()): void {
    this.db.prepare("UPDATE sweep_items SET status = 'pending', updated_at = ? WHERE sweep_id = ? AND item_id = ? AND status = 'running'").run(now, id, itemId);
  }

  finishItem(
    id: string,
    itemId: string,
    r: { status: "done" | "failed"; traceId: string | null; outcome: SweepOutcome | null; error: string | null; attempts: number; cost: ItemCost },
    now = Date.now(),
  ): void {
    this.db
      .prepare(
        `UPDATE sweep_items SET status = @status, trace_id = @trace_id, outcome = @outcome, error = @error, attempts = @attempts,
           prompt_tokens = @prompt, cached_tokens = @cached, completion_tokens = @completion, prefix_tokens = @prefix,
           tokens_evaluated = @evaluated, updated_at = @now
         WHERE sweep_id = @id AND item_id = @item_id`,
      )
      .run({
        id,
        item_id: itemId,
        status: r.status,
        trace_id: r.traceId,
        outcome: r.outcome ? JSON.stringify(SweepOutcomeSchema.parse(r.outcome)) : null,
        error: r.error,
        attempts: r.attempts,
        prompt: r.cost.promptTokens,
        cached: r.cost.cachedTokens,
        completion: r.cost.completionTokens,
        prefix: r.cost.prefixTokens ?? null,
        evaluated: r.cost.tokensEvaluated ?? null,
        now,
      });
  }
}
