/**
 * Import parsing, pure (protocol and engine only; the server side is lib/db/import.ts): bytes ->
 * lines (`readLines`, `decodeLine`), one line -> the trace to create or why not
 * (`parseImportLine`), recognising hintlab's own `segments` records, prompt/completion records,
 * OpenAI `messages` and ShareGPT `conversations`, with model / hint / tool-output segments
 * reconstructed where the text shows them (`reconstruct`).
 */
import { z } from "zod";
import { parseJsonWithNumberText, type CreateTraceBody, type JsonWithNumberText } from "@/lib/protocol";
import { LineError, recordToTrace, type ParseContext, type Shape } from "./shapes";

export { readLines, decodeLine, formatBytes, type RawLine, type LineLimits } from "./lines";
export { reconstruct, findOutputBlocks, type HintText, type Piece, type ToolRun } from "./reconstruct";
export { IMPORT_PHASES, ImportProgressSchema, ImportJobIdSchema, ImportJobSchema, type ImportProgress, type ImportJob } from "./progress";
export { SHAPES, detectShape, importConfig, stableId, LineError, type Shape, type ParseContext } from "./shapes";

export type ParsedLine = { ok: true; shape: Shape; body: CreateTraceBody } | { ok: false; error: string };

/** One line of text -> a trace to create, or the reason it cannot be one. Never throws. */
export function parseImportLine(text: string, ctx: Omit<ParseContext, "rawLine" | "numberText">): ParsedLine {
  let parsed: JsonWithNumberText;
  try {
    // Numbers keep their text: a gold or answer written as 12345678901234567891 is stored as that.
    parsed = parseJsonWithNumberText(text);
  } catch (e) {
    return { ok: false, error: `invalid JSON: ${(e as Error).message}` };
  }
  const json = parsed.value;
  if (!json || typeof json !== "object" || Array.isArray(json)) {
    return { ok: false, error: `expected a JSON object per line, got ${Array.isArray(json) ? "an array" : json === null ? "null" : typeof json}` };
  }
  try {
    return { ok: true, ...recordToTrace(json as Record<string, unknown>, { ...ctx, rawLine: text, numberText: parsed.numberText }) };
  } catch (e) {
    // Anything else (e.g. a record nested too deep to walk) is still this line's failure, not the import's.
    return { ok: false, error: e instanceof LineError ? e.message : `could not be read: ${(e as Error).message}` };
  }
}

export const IMPORT_MODES = ["valid-lines", "all-or-nothing"] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];

/** POST /api/traces/import query (or multipart fields): how to treat failing lines, and a dataset for every trace. */
export const ImportQuerySchema = z.object({
  mode: z.enum(IMPORT_MODES, { message: `mode must be ${IMPORT_MODES.join(" or ")}` }).default("valid-lines"),
  dataset: z.string().trim().min(1).max(200).optional(),
});
export type ImportQuery = z.infer<typeof ImportQuerySchema>;

/** What an import did. `committed`: whether anything was written (then exactly `imported` traces). */
export interface ImportReport {
  mode: ImportMode;
  committed: boolean;
  /** Non-blank lines read. */
  lines: number;
  imported: number;
  failed: number;
  /** The first failures (line numbers are 1-based); `moreErrors` counts the rest. */
  errors: { line: number; error: string }[];
  moreErrors: number;
  /** Notes on lines that were imported with a change (e.g. a parent that is not in the database). */
  warnings: { line: number; warning: string }[];
  shapes: Partial<Record<Shape, number>>;
  /** Ids of the imported traces, in file order (the first 1,000). */
  ids: string[];
  /**
   * All-or-nothing, when a line failed only while writing (e.g. a trace with its id was created
   * meanwhile): how many traces of the chunks already committed were removed again, and the ids
   * of those kept because someone changed them in the meantime (they count as `imported`).
   */
  undone?: number;
  kept?: string[];
  /** Writing stopped at this line for a reason that is not the line's (the database failed): later lines were not imported. */
  stoppedAt?: number;
}
