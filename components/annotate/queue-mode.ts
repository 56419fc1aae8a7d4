import type { ReactNode } from "react";
import type { TraceDetailPaths } from "@/lib/store/trace-detail";

/**
 * The trace page working on an annotation queue's item: reads and writes go to the annotator's
 * own assignment (`paths`), marks use the queue's labels, `n` opens the next item of the queue
 * and `s` skips this one; forking, sweeps and tags (which act on the trace itself) are hidden.
 */
export interface QueueMode {
  paths: TraceDetailPaths;
  labels: readonly string[];
  /** Why this item cannot be changed (someone else's, or the lease went to another annotator). */
  readOnly?: string;
  /** Above the trace: the queue's name, instructions, progress and lease. */
  header: ReactNode;
  onNext(): void;
  onSkip(): void;
  /** After every saved change (the header refreshes its progress). */
  onChanged?(): void;
}
