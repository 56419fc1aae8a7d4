import { z } from "zod";

/**
 * The messages between the export stream (main thread) and its workers. To a worker: start an
 * export (its database file and line function), a page of ids (pages are numbered in selection
 * order), credit (chunks it may post: one per chunk the client took, with that chunk's memory
 * back), stop (the export is over;
 * the worker waits for the next start). From a worker, naming the export: a chunk of a page (its
 * bytes transferred, not copied), the end of a page, or the error that ended the export.
 */
const JobSchema = z.object({
  format: z.enum(["segments", "openai", "sharegpt", "trl", "edits"]),
  opts: z.object({
    edited: z.boolean().optional(),
    context: z.number().int().optional(),
    system: z.string().optional(),
  }),
  queue: z.string().optional(),
});

export const ToWorkerSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("start"), run: z.number().int(), dbFile: z.string(), job: JobSchema }),
  z.object({ type: z.literal("page"), page: z.number().int(), ids: z.array(z.string()) }),
  // With the memory of a chunk the main thread copied out, for the worker's next chunks.
  z.object({ type: z.literal("credit"), n: z.number().int().positive(), bytes: z.instanceof(ArrayBuffer).optional() }),
  z.object({ type: z.literal("stop") }),
]);
export type ToWorker = z.infer<typeof ToWorkerSchema>;

export const FromWorkerSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("chunk"), run: z.number().int(), page: z.number().int(), bytes: z.instanceof(ArrayBuffer), length: z.number().int().nonnegative() }),
  z.object({ type: z.literal("page-done"), run: z.number().int(), page: z.number().int() }),
  z.object({ type: z.literal("error"), run: z.number().int(), message: z.string() }),
]);
export type FromWorker = z.infer<typeof FromWorkerSchema>;
