import "server-only";
import { getDb, TraceStore } from "@/lib/db";
import { AppError, type ExperimentSpecInput, type ExperimentSummary } from "@/lib/protocol";
import { regradeWithOwnGraders, type RegradeProgress } from "./regrade";
import { computeResults, type ExperimentResults } from "./results";
import { gradingOf, type Grading } from "./verdicts";
import { runExperiment } from "./runner";
import { ExperimentStore } from "./store";

/**
 * The server's experiments running in the background: one registry per process (kept on
 * globalThis so Next's dev reloads do not orphan runs). An experiment marked running in the
 * database with no live runner (server restarted) reads as interrupted and can be resumed.
 */
interface Running {
  controller: AbortController;
  done: Promise<unknown>;
  latest?: ExperimentSummary;
}

const g = globalThis as unknown as { __hintlabExperiments?: Map<string, Running> };
const running = (g.__hintlabExperiments ??= new Map());

export function experimentStore(): ExperimentStore {
  return new ExperimentStore(getDb());
}

function start(id: string): ExperimentSummary {
  if (running.has(id)) throw new AppError("conflict", `experiment ${id} is already running`);
  const store = experimentStore();
  const controller = new AbortController();
  const entry: Running = { controller, done: Promise.resolve() };
  running.set(id, entry);
  entry.done = runExperiment({
    store,
    traces: new TraceStore(getDb()),
    experimentId: id,
    signal: controller.signal,
    onProgress: (s) => (entry.latest = s),
  })
    .catch((e: unknown) => {
      console.error(`experiment ${id} stopped:`, e);
      store.setStatus(id, "interrupted");
    })
    .finally(() => running.delete(id));
  return store.getExperiment(id);
}

export function createAndStartExperiment(spec: ExperimentSpecInput): ExperimentSummary {
  const created = experimentStore().createExperiment(spec);
  return start(created.id);
}

export function resumeExperiment(id: string): ExperimentSummary {
  const exp = experimentStore().getExperiment(id);
  if (exp.status === "running") throw new AppError("conflict", `experiment ${id} is running`);
  if (exp.progress.done === exp.progress.total) throw new AppError("conflict", `experiment ${id} has nothing left to run`);
  return start(id);
}

export async function cancelExperiment(id: string): Promise<ExperimentSummary> {
  const store = experimentStore();
  const entry = running.get(id);
  if (entry) {
    entry.controller.abort();
    await entry.done;
  } else if (store.getExperiment(id).status !== "finished") {
    store.setStatus(id, "cancelled");
  }
  return store.getExperiment(id);
}

/** How the items were graded (verdicts.ts), and a regrade under way in this server. */
export interface GradingInfo extends Grading {
  regrade?: RegradeProgress & { running: boolean; error?: string };
}

/** Progress (with live rates while it runs here), results, and how they were graded. */
export function experimentDetail(id: string): ExperimentSummary & { results: ExperimentResults; grading: GradingInfo } {
  const store = experimentStore();
  const live = running.get(id)?.latest;
  const summary = store.getExperiment(id, Date.now(), live ? { tokensPerSec: live.progress.tokensPerSec, etaSec: live.progress.etaSec } : undefined);
  const items = store.items(id);
  const job = regrading.get(id);
  return {
    ...summary,
    results: cachedResults(summary, () => computeResults(items, summary.policies)),
    grading: { ...gradingOf(getDb(), id, items, summary.policies), ...(job ? { regrade: { ...job.progress, running: job.running, ...(job.error ? { error: job.error } : {}) } } : {}) },
  };
}

interface RegradeJob {
  progress: RegradeProgress;
  running: boolean;
  error?: string;
}
const regrading = ((globalThis as unknown as { __hintlabRegrades?: Map<string, RegradeJob> }).__hintlabRegrades ??= new Map());

/**
 * Grade a stopped experiment's finished items again with this server's grader, in the background
 * (progress in the detail's `grading.regrade`). Refused while it runs or is being regraded.
 */
export function startRegrade(id: string, force = false): GradingInfo["regrade"] {
  const store = experimentStore();
  const exp = store.getExperiment(id);
  if (exp.status === "running" || running.has(id)) throw new AppError("conflict", `experiment ${id} is running: regrade it once it stopped`);
  if (regrading.get(id)?.running) throw new AppError("conflict", `experiment ${id} is being regraded already`);
  const job: RegradeJob = { progress: { total: 0, done: 0, changed: 0, skipped: 0 }, running: true };
  regrading.set(id, job);
  void regradeWithOwnGraders({ store, traces: new TraceStore(getDb()), experimentId: id, force, onProgress: (p) => (job.progress = p) })
    .then((p) => (job.progress = p))
    .catch((e: unknown) => {
      console.error(`regrade of ${id} stopped:`, e);
      job.error = (e as Error).message;
    })
    .finally(() => (job.running = false));
  return { ...job.progress, running: true };
}

/**
 * The page polls every second, and the results' bootstraps cost up to ~15 ms per 1,000 items with several samples per problem (bench:
 * `node bench/experiment-results.mjs`). Results are recomputed when an item finished since,
 * and while items keep finishing at most every 10× their last cost (100k items: every ~10 s;
 * a few thousand: every poll). Progress counts are not cached.
 */
const cache = ((globalThis as unknown as { __hintlabResults?: Map<string, { key: string; at: number; costMs: number; results: ExperimentResults }> }).__hintlabResults ??= new Map());
function cachedResults(summary: ExperimentSummary, compute: () => ExperimentResults): ExperimentResults {
  const p = summary.progress;
  const key = `${summary.updatedAt}:${p.done}:${p.failed}:${p.total}`;
  const hit = cache.get(summary.id);
  const now = performance.now();
  if (hit && (hit.key === key || now - hit.at < 10 * hit.costMs)) return hit.results;
  const results = compute();
  cache.delete(summary.id);
  cache.set(summary.id, { key, at: now, costMs: performance.now() - now, results });
  if (cache.size > 64) cache.delete(cache.keys().next().value!);
  return results;
}
