import "server-only";
import { BUILTIN_HINTS } from "@/hints";
import { getDb, readUserHints, TraceStore } from "@/lib/db";
import { AppError, type SweepCreateBody, type SweepView } from "@/lib/protocol";
import { isModelError, resolveModelConfig } from "@/lib/providers";
import { createSweep } from "./sweep-setup";
import { runSweep } from "./sweep-runner";
import { SweepStore } from "./sweep-store";
import { buildSweepView } from "./sweep-view";

/**
 * The server's sweeps running in the background, like experiments (registry.ts): one map per
 * process on globalThis; a sweep marked running with no live runner reads as interrupted.
 */
interface Running {
  controller: AbortController;
  done: Promise<unknown>;
}

const g = globalThis as unknown as { __hintlabSweeps?: Map<string, Running> };
const running = (g.__hintlabSweeps ??= new Map());

export function sweepStore(): SweepStore {
  return new SweepStore(getDb());
}

function start(id: string): void {
  if (running.has(id)) throw new AppError("conflict", `sweep ${id} is already running`);
  const store = sweepStore();
  const controller = new AbortController();
  const entry: Running = { controller, done: Promise.resolve() };
  running.set(id, entry);
  entry.done = runSweep({ store, traces: new TraceStore(getDb()), sweepId: id, signal: controller.signal })
    .catch((e: unknown) => {
      console.error(`sweep ${id} stopped:`, e);
      store.setStatus(id, "interrupted");
    })
    .finally(() => running.delete(id));
}

/** POST /api/sweeps: plan and store the sweep (bad specs and unknown hints fail here, before anything runs), then run it in the background. */
export async function createAndStartSweep(body: SweepCreateBody): Promise<{ id: string }> {
  const library = [...BUILTIN_HINTS, ...(await readUserHints())];
  const traces = new TraceStore(getDb());
  const id = createSweep(
    sweepStore(),
    (traceId) => traces.get(traceId),
    {
      spec: body.spec,
      ...(body.name ? { name: body.name } : {}),
      ...(body.settings ? { model: { ...body.settings, baseUrl: undefined } } : {}),
      ...(body.concurrency !== undefined ? { concurrency: body.concurrency } : {}),
      ...(body.maxTokens !== undefined ? { maxTokens: body.maxTokens } : {}),
      checkModel: (model) => {
        try {
          resolveModelConfig(model);
        } catch (e) {
          throw isModelError(e) ? new AppError("bad-request", `the sweep's model: ${e.message}`) : e;
        }
      },
    },
    library,
  );
  start(id);
  return { id };
}

export function resumeSweep(id: string): SweepView {
  const store = sweepStore();
  const view = buildSweepView(store, id);
  if (view.status === "running") throw new AppError("conflict", `sweep ${id} is running`);
  if (view.progress.pending + view.progress.running === 0) throw new AppError("conflict", `sweep ${id} has nothing left to run (done and failed items are never run again)`);
  start(id);
  return buildSweepView(store, id);
}

export async function cancelSweep(id: string): Promise<SweepView> {
  const store = sweepStore();
  const entry = running.get(id);
  if (entry) {
    entry.controller.abort();
    await entry.done;
  } else if (store.get(id).status !== "finished") {
    store.setStatus(id, "cancelled");
  }
  return buildSweepView(store, id);
}

export function sweepDetail(id: string): SweepView {
  return buildSweepView(sweepStore(), id);
}
