import type { Segment, Trace } from "@/lib/protocol";
import { deriveEdited } from "@/lib/engine";
import { isTrained } from "./text";
import type { ExportOptions } from "./options";

/**
 * The native record: what `POST /api/traces/import` reads back unchanged. Server-owned fields
 * (`version`, `updatedAt`) are left out so an export of an import is byte-identical to the export
 * it came from. With `edited`, the segments are the derived view (edit segments carry their
 * original) and the span-addressed `edits`/`annotations` are dropped: their indices would no
 * longer point at the right segments.
 */
export function segmentsRecord(trace: Trace, opts: ExportOptions): object {
  const segments = opts.edited ? deriveEdited(trace.segments, trace.edits).segments : trace.segments;
  return {
    id: trace.id,
    problem: trace.problem,
    ...(trace.parentId !== undefined ? { parentId: trace.parentId } : {}),
    ...(trace.forkAt ? { forkAt: trace.forkAt } : {}),
    config: trace.config,
    segments: segments.map(segmentWithTrain),
    events: trace.events,
    status: trace.status,
    ...(trace.answer !== undefined ? { answer: trace.answer } : {}),
    ...(trace.verdict ? { verdict: trace.verdict } : {}),
    ...(trace.review ? { review: trace.review } : {}),
    ...(opts.edited ? { editsApplied: true } : { annotations: trace.annotations ?? [], edits: trace.edits ?? [] }),
    ...(trace.dataset !== undefined ? { dataset: trace.dataset } : {}),
    tags: trace.tags ?? [],
    createdAt: trace.createdAt,
  };
}

/** Fixed key order, whatever order the segment object was built in. */
function segmentWithTrain(s: Segment) {
  return {
    id: s.id,
    kind: s.kind,
    text: s.text,
    ...(s.hintId !== undefined ? { hintId: s.hintId } : {}),
    ...(s.reason !== undefined ? { reason: s.reason } : {}),
    ...(s.trigger !== undefined ? { trigger: s.trigger } : {}),
    ...(s.original !== undefined ? { original: s.original } : {}),
    ...(s.editId !== undefined ? { editId: s.editId } : {}),
    ...(s.author !== undefined ? { author: s.author } : {}),
    train: isTrained(s.kind),
  };
}
