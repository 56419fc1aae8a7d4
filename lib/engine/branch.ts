import type { Segment, TraceEvent } from "@/lib/protocol";
import { forkPrefix } from "./restore";

/**
 * The prefix of a fork that branches from an alternative token: exactly the model text before
 * the token at (segment, offset), then `text` (the alternative) as model text, so the model
 * continues from the token it did not pick. Only a model segment can be branched inside (a
 * token of the prompt, a hint or a tool output is not the model's choice); everything else
 * follows `forkPrefix`.
 */
export function branchPrefix(
  segments: readonly Segment[],
  events: readonly TraceEvent[],
  at: { segment: number; offset: number; text: string },
): { segments: Segment[]; events: TraceEvent[] } {
  const target = segments[at.segment];
  if (!target) throw new Error(`segment ${at.segment} does not exist (the trace has ${segments.length})`);
  if (target.kind !== "model") throw new Error(`only the model's own tokens can be branched from; segment ${at.segment} is ${target.kind}`);
  if (!at.text) throw new Error("the alternative token is empty");
  // At offset 0 of a model segment forkPrefix keeps the segments before it only: the alternative
  // starts that segment again (same id, so the restored engine's counters stay as they were).
  const prefix = forkPrefix(segments, events, { segment: at.segment, offset: at.offset });
  const last = prefix.segments[prefix.segments.length - 1];
  if (at.offset > 0 && last) prefix.segments[prefix.segments.length - 1] = { ...last, text: last.text + at.text };
  else prefix.segments.push({ ...target, text: at.text });
  return prefix;
}
