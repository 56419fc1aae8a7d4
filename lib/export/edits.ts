import type { Trace } from "@/lib/protocol";
import { deriveEdited } from "@/lib/engine";
import { codePointsAfter, codePointsBefore } from "./text";
import { DEFAULT_EDIT_CONTEXT, type ExportOptions } from "./options";

/**
 * One record per manual edit (the record Hint-RFT needs): the replaced span and its replacement
 * with `context` code points of the unedited trace text on each side, and `before`/`after` as
 * the full windows (context + original / replacement + context). `segment`, `start`, `end` are
 * the stored edit's address (UTF-16 offsets in that segment's text). Edits that no longer apply
 * (see applyEdits) are left out. Traces without edits produce no records. `author` is who made the
 * edit; `queue` ({id, name}) the annotation queue when the export is scoped to one (opts.queue).
 */
export function editRecords(trace: Trace, opts: ExportOptions): object[] {
  if (!trace.edits?.length) return [];
  const { skippedEdits } = deriveEdited(trace.segments, trace.edits);
  const skipped = new Set(skippedEdits);
  const n = opts.context ?? DEFAULT_EDIT_CONTEXT;
  const starts: number[] = [];
  let text = "";
  for (const s of trace.segments) {
    starts.push(text.length);
    text += s.text;
  }
  return [...trace.edits]
    .filter((e) => !skipped.has(e))
    .sort((a, b) => a.segment - b.segment || a.start - b.start || a.end - b.end || a.createdAt - b.createdAt)
    .map((e) => {
      const from = starts[e.segment]! + e.start;
      const contextBefore = codePointsBefore(text, from, n);
      const contextAfter = codePointsAfter(text, from + e.end - e.start, n);
      return {
        traceId: trace.id,
        problemId: trace.problem.id,
        editId: e.id,
        segment: e.segment,
        start: e.start,
        end: e.end,
        contextBefore,
        original: e.original,
        replacement: e.replacement,
        contextAfter,
        before: contextBefore + e.original + contextAfter,
        after: contextBefore + e.replacement + contextAfter,
        author: e.author,
        ...(opts.queue ? { queue: { id: opts.queue.id, name: opts.queue.name } } : {}),
        createdAt: e.createdAt,
        ...(trace.verdict ? { verdict: trace.verdict } : {}),
        ...(trace.review ? { review: trace.review.status } : {}),
      };
    });
}
