import { AppError, sweepArmKey, type Segment, type SweepArm, type SweepSpec, type TraceEvent } from "@/lib/protocol";
import { pausePoint, sentencePositions, textOffsetOf, triggerPositions, type TracePoint } from "./positions";

/** The source trace as planning needs it (a stored `Trace` fits). */
export interface SweepSource {
  segments: readonly Segment[];
  events: readonly TraceEvent[];
  triggers: readonly string[];
  endOfThinking: string | null;
}

export interface PlannedArm {
  /** Stable key: `none`, `hint:<id>`, `text:<fnv1a of the text>`. */
  key: string;
  arm: SweepArm;
}

/** One run: an arm at a position, sample k, seed = spec.seed + k. */
export interface SweepItem {
  /** `<arm key>@<position>#<sample>`: the same spec and source always give the same ids. */
  id: string;
  arm: string;
  position: number;
  sample: number;
  seed: number;
  at: TracePoint;
}

export interface SweepPlan {
  spec: SweepSpec;
  arms: PlannedArm[];
  /** One point for a hint sweep; every selected point for a position sweep (may be empty). */
  positions: TracePoint[];
  /** Position-major, then arm, then sample. */
  items: SweepItem[];
}

/**
 * Expand a (parsed) spec against its source trace into items. Pure and deterministic. Throws
 * `AppError("bad-request")` when the point does not exist in the trace.
 */
export function planSweep(spec: SweepSpec, source: SweepSource): SweepPlan {
  const armList = spec.type === "hints" ? spec.arms : [spec.arm];
  const arms = armList.map((arm) => ({ key: sweepArmKey(arm), arm }));
  let positions: TracePoint[];
  if (spec.type === "hints") {
    const at = spec.at;
    positions = ["pause" in at ? pausePoint(source.segments, source.events, at.pause) : checkedPoint(source.segments, at)];
  } else if (spec.positions === "triggers") {
    positions = triggerPositions(source);
  } else {
    positions = sentencePositions(source, spec.positions.sentences);
  }
  const items: SweepItem[] = [];
  positions.forEach((at, position) => {
    for (const { key } of arms) {
      for (let sample = 0; sample < spec.samples; sample++) {
        items.push({ id: `${key}@${position}#${sample}`, arm: key, position, sample, seed: spec.seed + sample, at });
      }
    }
  });
  return { spec, arms, positions, items };
}

/** A `{segment, offset}` the engine can fork at (same rules as `forkPrefix`). */
function checkedPoint(segments: readonly Segment[], at: { segment: number; offset: number }): TracePoint {
  const textOffset = textOffsetOf(segments, at);
  const seg = segments[at.segment]!;
  if (at.segment === 0 && at.offset < seg.text.length) throw new AppError("bad-request", "the prompt cannot be cut: choose a point after it");
  if (at.offset > 0 && at.offset < seg.text.length && seg.kind !== "model") {
    throw new AppError("bad-request", `only model text can be cut inside; segment ${at.segment} is ${seg.kind}: use its start or end`);
  }
  return { segment: at.segment, offset: at.offset, textOffset };
}

/**
 * What is left to run. `finished` holds the ids of items that are done or failed (a failed item
 * is not retried by a resume: nothing runs twice). An id that is not in the plan means the plan
 * changed under the stored rows, which would mix two sweeps: that throws.
 */
export function remainingItems(plan: SweepPlan, finished: Iterable<string>): SweepItem[] {
  const ids = new Set(plan.items.map((it) => it.id));
  const seen = new Set<string>();
  for (const id of finished) {
    if (!ids.has(id)) throw new AppError("conflict", `item "${id}" is not in this sweep's plan (the spec or the source trace changed)`);
    seen.add(id);
  }
  return plan.items.filter((it) => !seen.has(it.id));
}
