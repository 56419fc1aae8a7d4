"use client";

import { useState } from "react";
import type { Trace } from "@/lib/protocol";
import { TraceView } from "@/components/trace/trace-view";
import { prefixText, segmentsBefore } from "./compare-split";

const TAIL_CHARS = 300;

/** The text both branches share, shown once and collapsed; its segments render only when opened. */
export function ComparePrefix({ trace, chars }: { trace: Trace; chars: number }) {
  const [open, setOpen] = useState(false);
  const text = prefixText(trace, chars);
  return (
    <details className="compare-prefix" data-testid="compare-prefix" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        Common prefix: {chars.toLocaleString()} characters, ends with{" "}
        <span className="prefix-tail">
          {text.length > TAIL_CHARS ? "…" : ""}
          {text.slice(-TAIL_CHARS)}
        </span>
      </summary>
      {open && <TraceView segments={segmentsBefore(trace, chars)} events={trace.events} triggers={trace.config.triggers} live={false} />}
    </details>
  );
}
