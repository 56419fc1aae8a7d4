import type { ExecutionResult } from "@/lib/protocol";

/** What a host knows about how one execution ended, beyond what Python reported. */
export interface RunOutcome {
  /** The host wrote the interrupt flag because the time limit passed. */
  interruptSent: boolean;
  /** Python ended with KeyboardInterrupt. */
  interrupted: boolean;
  /** The runtime was thrown away while this code ran (namespace lost). */
  restarted: boolean;
  timeoutMs: number;
  /** Why the runtime was restarted, when it was (shown to the model). */
  restartReason?: "timeout" | "no-interrupt" | "crash" | "memory";
  /** Detail for a crash (exit code, JS error message). */
  crashDetail?: string;
  /** The cap a "memory" restart enforced, in MB. */
  memoryLimitMb?: number;
}

const LOST = "all variables, functions and imports from earlier code blocks are lost";

/** 10000 -> "10 s", 1500 -> "1.5 s", 50 -> "0.05 s". */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(2))} s`;
}

/** The one-line explanation appended as the error's last line. */
export function outcomeMessage(o: RunOutcome): string {
  const stopped = `TimeoutError: the code was stopped after ${seconds(o.timeoutMs)} (time limit)`;
  switch (o.restartReason) {
    case "timeout":
      return `${stopped}; it did not respond to the interrupt, so the Python runtime was restarted and ${LOST}.`;
    case "no-interrupt":
      return `${stopped}; interrupts are unavailable here, so the Python runtime was restarted and ${LOST}.`;
    case "memory":
      return `MemoryError: the code used more than the memory limit${o.memoryLimitMb ? ` (${o.memoryLimitMb} MB for the whole Python process, JavaScript buffers included)` : ""}, so the Python runtime was stopped and restarted; ${LOST}.`;
    case "crash":
      return `RuntimeError: the Python runtime crashed${o.crashDetail ? ` (${o.crashDetail})` : ""} and was restarted; ${LOST}.`;
    default:
      return `${stopped}.`;
  }
}

/**
 * Turn what Python reported plus what the host did into the result the engine records:
 * a KeyboardInterrupt caused by our timeout becomes `timedOut` with a plain message (the
 * frames above it still show where the code was stuck); a restart says the namespace is gone.
 */
export function finishResult(raw: ExecutionResult, o: RunOutcome): ExecutionResult {
  if (o.restarted) {
    return {
      ...raw,
      error: [raw.error?.trimEnd(), outcomeMessage(o)].filter(Boolean).join("\n"),
      timedOut: o.restartReason !== "crash" && o.restartReason !== "memory",
    };
  }
  if (o.interruptSent && o.interrupted && raw.error) {
    const lines = raw.error.trimEnd().split("\n");
    if (lines[lines.length - 1]?.startsWith("KeyboardInterrupt")) lines.pop();
    return { ...raw, error: [...lines, outcomeMessage(o)].join("\n"), timedOut: true };
  }
  return raw;
}

/** An empty result, for runs whose output died with the runtime. */
export function emptyResult(durationMs: number): ExecutionResult {
  return { stdout: "", stderr: "", timedOut: false, truncated: false, durationMs };
}
