import { z } from "zod";

/** How far a model download is (bytes on disk, including a resumed part). */
export const DownloadProgressSchema = z.object({
  receivedBytes: z.number(),
  totalBytes: z.number().optional(),
  bytesPerSecond: z.number(),
  etaSeconds: z.number().optional(),
  resumedFrom: z.number(),
});
export type DownloadProgress = z.infer<typeof DownloadProgressSchema>;

export const DownloadErrorCodeSchema = z.enum(["offline", "not-found", "unauthorized", "checksum", "not-gguf", "http", "aborted", "disk", "bad-request"]);
export type DownloadErrorCode = z.infer<typeof DownloadErrorCodeSchema>;

/**
 * A local GGUF model as the browser sees it. `state` is "ready" when the file is on disk,
 * "missing" before its first download, "downloading" with `progress`, "failed" with `error`
 * (code "offline" when the host could not be reached at all). `path` is where the file is or
 * will be, so the UI can say where to put a file by hand.
 */
export const LocalModelStatusSchema = z.object({
  ref: z.string(),
  name: z.string(),
  kind: z.enum(["file", "hf", "url"]),
  path: z.string(),
  state: z.enum(["ready", "missing", "downloading", "failed"]),
  bytes: z.number().optional(),
  progress: DownloadProgressSchema.optional(),
  error: z.object({ code: DownloadErrorCodeSchema, message: z.string() }).optional(),
  /** The model is the server's default (HINTLAB_LOCAL_MODEL or the built-in one). */
  isDefault: z.boolean(),
});
export type LocalModelStatus = z.infer<typeof LocalModelStatusSchema>;

/** GET /api/models: what Model settings can choose from. */
export const ModelListSchema = z.object({
  /** The OpenAI-compatible endpoint's models; null when no base URL is configured. */
  remote: z.object({ baseUrl: z.string(), models: z.array(z.string()), error: z.string().optional() }).nullable(),
  local: z.object({
    /** The models cache directory (HINTLAB_MODELS_DIR). */
    dir: z.string(),
    models: z.array(z.object({ ref: z.string(), name: z.string(), bytes: z.number() })),
    default: LocalModelStatusSchema,
  }),
});
export type ModelList = z.infer<typeof ModelListSchema>;

/** Body of POST /api/local-model/download: a cached file or `hf:` URI; absent = the server's default. */
export const DownloadBodySchema = z.object({ ref: z.string().min(1).max(1000).optional() });

/** NDJSON frames of POST /api/local-model/download. */
export const DownloadFrameSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("progress"), progress: DownloadProgressSchema }),
  z.object({ type: z.literal("done"), status: LocalModelStatusSchema }),
  z.object({ type: z.literal("error"), code: DownloadErrorCodeSchema, message: z.string(), status: LocalModelStatusSchema.optional() }),
]);
export type DownloadFrame = z.infer<typeof DownloadFrameSchema>;
