import type { Segment, Trace } from "@/lib/protocol";
import { deriveEdited } from "@/lib/engine";
import { isTrained } from "./text";
import { storedSegmentsWithTrain } from "./stored-segments";
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
  return { ...recordHead(trace), segments: segments.map(segmentWithTrain), ...recordTail(trace, opts) };
}

/**
 * The unedited native record as a JSONL line with its segments array spliced from their stored
 * JSON (see storedSegmentsWithTrain): the same bytes as `toJsonlLine(segmentsRecord(trace, {}))`
 * when that text has the shape the schema writes, undefined otherwise. `trace.segments` is not read.
 */
export function storedSegmentsLine(trace: Trace, stored: readonly string[]): string | undefined {
  const segments = storedSegmentsWithTrain(stored);
  if (segments === undefined) return undefined;
  // {...head, segments, ...tail}: both halves are never empty (id, createdAt), so the braces
  // between them are replaced by the segments member.
  return `${JSON.stringify(recordHead(trace)).slice(0, -1)},"segments":[${segments}],${JSON.stringify(recordTail(trace, { edited: false })).slice(1)}\n`;
}

/** The keys before `segments`. */
function recordHead(trace: Trace) {
  return {
    id: trace.id,
    problem: trace.problem,
    ...(trace.parentId !== undefined ? { parentId: trace.parentId } : {}),
    ...(trace.forkAt ? { forkAt: trace.forkAt } : {}),
    config: trace.config,
  };
}

/** The keys after `segments`. */
function recordTail(trace: Trace, opts: ExportOptions) {
  return {
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
