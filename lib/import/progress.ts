import { z } from "zod";

/**
 * A running import as the library's import button sees it (GET /api/traces/import?job=ID): the
 * client names the job when it starts the upload (`?job=` on the POST, a random id), and polls
 * this while the POST is under way. Phases: `reading` (the upload arrives, every line parsed and
 * validated, nothing written), `checking` (all-or-nothing: the ids against the database),
 * `writing` (committed in chunks; `written` of `total` are stored), `undoing` (all-or-nothing:
 * a line failed while writing, the chunks already committed are removed again), `done`.
 */
export const IMPORT_PHASES = ["reading", "checking", "writing", "undoing", "done"] as const;

export const ImportProgressSchema = z.object({
  phase: z.enum(IMPORT_PHASES),
  /** Bytes of the file read so far, and its size when the request declared it. */
  bytes: z.number(),
  totalBytes: z.number().optional(),
  lines: z.number(),
  failed: z.number(),
  /** Traces to write (known once the file has been read) and those written so far. */
  total: z.number(),
  written: z.number(),
});
export type ImportProgress = z.infer<typeof ImportProgressSchema>;

/** A job id the client chose: long enough that nobody guesses another user's. */
export const ImportJobIdSchema = z.string().regex(/^[A-Za-z0-9_-]{16,100}$/, "job must be 16 to 100 letters, digits, - or _");

export const ImportJobSchema = z.object({
  id: z.string(),
  state: z.enum(["running", "done", "failed"]),
  progress: ImportProgressSchema,
  /** When it failed as a whole (413, a bad file): the message the POST answered with. */
  error: z.string().optional(),
});
export type ImportJob = z.infer<typeof ImportJobSchema>;
