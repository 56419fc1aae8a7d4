import "server-only";
import { AppError, type Edit, type Segment } from "@/lib/protocol";

/**
 * The checks every annotator write makes on the span it names, whether it goes to the trace
 * (traces.ts) or to an annotator's assignment in a queue (lib/queues/work.ts): the same
 * refusals, with the same messages that say what to fix.
 */

/** The segment a span lies in; a missing segment or a span outside it is refused. */
export function checkSpan(segments: readonly Segment[], span: { segment: number; start: number; end: number }): Segment {
  const segment = segments[span.segment];
  if (!segment) throw new AppError("bad-request", `segment ${span.segment} does not exist (the trace has ${segments.length})`);
  if (span.start > span.end || span.end > segment.text.length) {
    throw new AppError("bad-request", `span ${span.start}–${span.end} is outside segment ${span.segment} (length ${segment.text.length})`);
  }
  return segment;
}

/** The model segment an edit replaces text of; other kinds, and a span overlapping one of `edits`, are refused. */
export function checkEdit(segments: readonly Segment[], edits: readonly Edit[], edit: { segment: number; start: number; end: number }): Segment {
  const segment = checkSpan(segments, edit);
  if (segment.kind !== "model") throw new AppError("bad-request", `only model text can be edited; segment ${edit.segment} is ${segment.kind}`);
  const overlapping = edits.find((e) => e.segment === edit.segment && e.start < edit.end && edit.start < e.end);
  if (overlapping) throw new AppError("conflict", `this span overlaps another edit (characters ${overlapping.start}–${overlapping.end}); undo that edit first`);
  return segment;
}
