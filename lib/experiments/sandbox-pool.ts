import "server-only";
import { availableParallelism } from "node:os";
import type { ExecuteOptions, ExecutionResult, Sandbox } from "@/lib/protocol";
import { NodeSandbox } from "@/lib/sandbox/node";

/**
 * Python sandboxes for experiment sessions: at most `size` (default: the CPU count), started
 * on demand. A session takes one only when its model first writes code (greedy traces never
 * do) and keeps it to the end of its trace, since the namespace persists across the blocks of
 * one trace; on release it is reset and handed to the next waiting session (a trace or the
 * grader). A NodeSandbox's reset() switches to a fresh Python process (its warm spare), so
 * nothing one trace did — patched builtins or modules, files, JS globals, timers — reaches the
 * next trace or the grading of another trace.
 */
export class SandboxPool {
  private readonly idle: Sandbox[] = [];
  private readonly all: Sandbox[] = [];
  private readonly waiting: ((s: Sandbox) => void)[] = [];

  constructor(
    readonly size = availableParallelism(),
    private readonly create: () => Sandbox = () => new NodeSandbox(),
  ) {}

  async acquire(): Promise<Sandbox> {
    const free = this.idle.pop();
    if (free) return free;
    if (this.all.length < this.size) {
      const s = this.create();
      this.all.push(s);
      return s;
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async release(s: Sandbox): Promise<void> {
    try {
      await s.reset();
    } catch {
      // A sandbox that cannot reset is replaced: a fresh one starts on the next acquire.
      this.all.splice(this.all.indexOf(s), 1);
      await s.dispose().catch(() => undefined);
      const next = this.waiting.shift();
      if (next) void this.acquire().then(next);
      return;
    }
    const next = this.waiting.shift();
    if (next) next(s);
    else this.idle.push(s);
  }

  /** A Sandbox for one trace that takes a pooled process at its first execution. */
  session(): Sandbox & { close(): Promise<void> } {
    let held: Sandbox | undefined;
    let acquiring: Promise<Sandbox> | undefined;
    return {
      execute: async (code: string, options: ExecuteOptions): Promise<ExecutionResult> => {
        acquiring ??= this.acquire().then((s) => (held = s));
        return (await acquiring).execute(code, options);
      },
      // The pooled process is reset on release; a trace that has not run code yet has nothing to reset.
      reset: async () => undefined,
      dispose: async () => undefined,
      close: async () => {
        if (acquiring) await acquiring;
        if (held) await this.release(held);
        held = undefined;
        acquiring = undefined;
      },
    };
  }

  async dispose(): Promise<void> {
    const all = this.all.splice(0);
    this.idle.length = 0;
    await Promise.all(all.map((s) => s.dispose().catch(() => undefined)));
  }
}
