/**
 * Trace -> training data, pure (engine and protocol only). `exportTrace(trace, format, opts)`
 * gives the JSONL records of one trace (one, or one per edit for `edits`); `toJsonlLine` writes
 * one. Same trace, format and options -> same bytes: keys in a fixed order, no export time.
 * Formats (README.md has an example line of each): `segments` native with `train` per segment;
 * `openai` messages with weight 0/1; `sharegpt` for LLaMA-Factory (untrained text in observation
 * turns); `trl` prompt/completion + run-length character mask; `edits` before/after pairs.
 */
import { z } from "zod";
import { TraceListQuerySchema, type Trace } from "@/lib/protocol";
import { editRecords } from "./edits";
import { openaiRecord } from "./openai";
import { DEFAULT_EDIT_CONTEXT, FORMATS, defaultEdited, type ExportFormat, type ExportOptions } from "./options";
import { segmentsRecord, storedSegmentsLine } from "./segments";
import { storedTrainingLine } from "./stored-training";
import { sharegptRecord } from "./sharegpt";
import { trlRecord } from "./trl";

export { applyEdits, deriveEdited } from "@/lib/engine";
export { isTrained, splitForTraining, codePointLength, type Chunk } from "./text";
export { storedSegmentsWithTrain } from "./stored-segments";
export { FORMATS, DEFAULT_EDIT_CONTEXT, defaultEdited, type ExportFormat, type ExportOptions };

/** The JSONL records of one trace in `format`. Options left undefined take the format's defaults. */
export function exportTrace(trace: Trace, format: ExportFormat, opts: ExportOptions = {}): object[] {
  const o: ExportOptions = { ...opts, edited: opts.edited ?? defaultEdited(format) };
  switch (format) {
    case "segments":
      return [segmentsRecord(trace, o)];
    case "openai":
      return [openaiRecord(trace, o)];
    case "sharegpt":
      return [sharegptRecord(trace, o)];
    case "trl":
      return [trlRecord(trace, o)];
    case "edits":
      return editRecords(trace, o);
  }
}

/** One JSONL line (with its newline). */
export function toJsonlLine(record: object): string {
  return JSON.stringify(record) + "\n";
}

/**
 * `exportTrace` as JSONL lines: what the export stream (lib/db) writes for each trace. Unedited
 * `segments`, `trl` and `openai` also offer `fromStoredSegments` (same bytes, the segment texts
 * copied from their stored JSON instead of parsed and re-written; undefined when that text is
 * not in the schema's shape or edits change it): the export stream uses it when present and
 * falls back to the parsed trace.
 */
export function traceToLines(format: ExportFormat, opts: ExportOptions = {}): ((trace: Trace) => string[]) & { fromStoredSegments?: (trace: Trace, segments: readonly string[]) => string[] | undefined } {
  const toLines = (trace: Trace) => exportTrace(trace, format, opts).map(toJsonlLine);
  const edited = opts.edited ?? defaultEdited(format);
  const copy =
    format === "segments" && !edited
      ? (trace: Trace, segments: readonly string[]) => storedSegmentsLine(trace, segments)
      : format === "trl" || format === "openai"
        ? (trace: Trace, segments: readonly string[]) => storedTrainingLine(format, trace, segments, { ...opts, edited })
        : undefined;
  if (!copy) return toLines;
  return Object.assign(toLines, {
    fromStoredSegments: (trace: Trace, segments: readonly string[]) => {
      const line = copy(trace, segments);
      return line === undefined ? undefined : [line];
    },
  });
}

const Flag = z.enum(["0", "1", "true", "false"]).transform((v) => v === "1" || v === "true");

/**
 * GET /api/export and `hintlab export`: the trace list's filters (no paging: the whole selection,
 * oldest first) plus the format and its options.
 */
export const ExportQuerySchema = TraceListQuerySchema.omit({ sort: true, order: true, limit: true, offset: true }).extend({
  format: z.enum(FORMATS, { message: `format must be one of ${FORMATS.join(", ")}` }),
  edited: Flag.optional(),
  context: z.coerce.number().int().min(0).max(100_000).optional(),
  system: z.string().max(100_000).optional(),
});
export type ExportQuery = z.infer<typeof ExportQuerySchema>;

/** Split an export query into the list filters and the format options. */
export function splitExportQuery(q: ExportQuery): { filters: Omit<ExportQuery, "format" | "edited" | "context" | "system">; format: ExportFormat; opts: ExportOptions } {
  const { format, edited, context, system, ...filters } = q;
  return {
    filters,
    format,
    opts: { ...(edited !== undefined ? { edited } : {}), ...(context !== undefined ? { context } : {}), ...(system !== undefined ? { system } : {}) },
  };
}
