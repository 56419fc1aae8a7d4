import { z } from "zod";

/**
 * The messages between the export stream (main thread) and its workers. To a worker: a page of
 * ids to export (pages are numbered in selection order), credit (chunks it may post: one per
 * chunk the client took), stop. From a worker: a chunk of a page (its bytes transferred, not
 * copied), the end of a page, or the error that ended the export.
 */
export const ToWorkerSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("page"), page: z.number().int(), ids: z.array(z.string()) }),
  z.object({ type: z.literal("credit"), n: z.number().int().positive() }),
  z.object({ type: z.literal("stop") }),
]);
export type ToWorker = z.infer<typeof ToWorkerSchema>;

export const FromWorkerSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("chunk"), page: z.number().int(), bytes: z.instanceof(ArrayBuffer), length: z.number().int().nonnegative() }),
  z.object({ type: z.literal("page-done"), page: z.number().int() }),
  z.object({ type: z.literal("error"), message: z.string() }),
]);
export type FromWorker = z.infer<typeof FromWorkerSchema>;
