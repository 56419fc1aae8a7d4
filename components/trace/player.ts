import type { Segment, TraceEvent } from "@/lib/protocol";

/**
 * Step-through positions of a saved trace. A position is "how many segments are shown". Pause
 * points are the positions just before a hint; tool calls the positions just after a tool output.
 */
export type StepKind = "segment" | "pause" | "tool";

export function stepTargets(segments: readonly Segment[], kind: StepKind): number[] {
  const out: number[] = [];
  segments.forEach((s, i) => {
    if (kind === "segment") out.push(i + 1);
    else if (kind === "pause" && s.kind === "hint") out.push(i);
    else if (kind === "tool" && s.kind === "tool_output") out.push(i + 1);
  });
  if (kind !== "segment" && !out.includes(segments.length)) out.push(segments.length);
  return [...new Set(out)].filter((n) => n >= 1).sort((a, b) => a - b);
}

export function nextTarget(targets: number[], from: number, dir: 1 | -1): number {
  if (dir === 1) return targets.find((t) => t > from) ?? from;
  return [...targets].reverse().find((t) => t < from) ?? from;
}

/**
 * How many events belong to the first `shown` segments: events up to the one that produced the
 * last hint or tool output shown (same rule as a fork's prefix), and all of them at the end.
 */
export function eventsShown(segments: readonly Segment[], events: readonly TraceEvent[], shown: number): number {
  if (shown >= segments.length) return events.length;
  let hints = 0;
  let outputs = 0;
  for (const s of segments.slice(0, shown)) {
    if (s.kind === "hint") hints++;
    if (s.kind === "tool_output") outputs++;
  }
  // Walk to the event that produced the next (hidden) hint or tool output, and stop before it.
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.type === "hint-injected") {
      if (hints === 0) return i;
      hints--;
    }
    if (e.type === "code-executed" || e.type === "code-skipped") {
      if (outputs === 0) return i;
      outputs--;
    }
  }
  // No hidden hint or tool output follows: hide only the run's closing events.
  let end = events.length;
  while (end > 0 && (events[end - 1]!.type === "run-finished" || events[end - 1]!.type === "answer-graded")) end--;
  return end;
}
