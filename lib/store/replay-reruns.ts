import { createStore, type StoreApi } from "zustand/vanilla";
import { formatToolOutput } from "@/lib/engine";
import type { ExecuteOptions, ExecutionResult, Sandbox } from "@/lib/protocol";

/**
 * Live re-runs of a replayed trace's code blocks: as the replay closes a block, its code runs
 * again in the page's Python sandbox, in order and in one namespace (as the trace ran: a later
 * block may use an earlier one's variables), and the new output is kept beside the recorded one.
 * The sandbox is made on first use (`warm`) and reset for a new pass of the replay.
 */

export interface Rerun {
  status: "running" | "done" | "failed";
  /** What the model would read back now (formatToolOutput: stdout, stderr, error). */
  output?: string;
  result?: ExecutionResult;
  /** The sandbox could not run it at all (Python did not load, disposed). */
  error?: string;
}

/** One code block to re-run: its index among the trace's executions, and its code (undefined: skipped when recorded). */
export interface RerunBlock {
  exec: number;
  code?: string;
}

export interface RerunState {
  reruns: Record<number, Rerun>;
  actions: {
    /** Start the sandbox loading (a replay began: code will come). */
    warm(): void;
    /** Re-run every block in `blocks` not yet started, in order. */
    ensure(blocks: readonly RerunBlock[]): void;
    /** A new pass: forget the results and give the next ones a fresh namespace. */
    reset(): void;
    dispose(): void;
  };
}

export type RerunStore = StoreApi<RerunState>;

/** Same as recorded: equal once trailing whitespace is ignored (an output block's last newline is the fence's). */
export function sameOutput(recorded: string, now: string): boolean {
  return recorded.trimEnd() === now.trimEnd();
}

export function createRerunStore({ createSandbox, options }: { createSandbox: () => Sandbox; options: ExecuteOptions }): RerunStore {
  let sandbox: Sandbox | undefined;
  // Results of an earlier pass (or after dispose) arrive late: the generation tells them apart.
  let generation = 0;
  const started = new Set<number>();
  const get = () => (sandbox ??= createSandbox());

  return createStore<RerunState>()((set) => ({
    reruns: {},
    actions: {
      warm: () => void get(),
      ensure: (blocks) => {
        for (const b of blocks) {
          if (started.has(b.exec) || b.code === undefined) continue;
          started.add(b.exec);
          const gen = generation;
          const put = (r: Rerun) => {
            if (gen === generation) set((s) => ({ reruns: { ...s.reruns, [b.exec]: r } }));
          };
          put({ status: "running" });
          // The sandbox queues executions: blocks run one after another, in this order.
          get()
            .execute(b.code, options)
            .then(
              (result) => put({ status: "done", result, output: formatToolOutput(result) }),
              (e: Error) => put({ status: "failed", error: e.message }),
            );
        }
      },
      reset: () => {
        generation++;
        started.clear();
        set({ reruns: {} });
        void sandbox?.reset();
      },
      dispose: () => {
        generation++;
        started.clear();
        set({ reruns: {} });
        void sandbox?.dispose();
        sandbox = undefined;
      },
    },
  }));
}
