import { z } from "zod";

/** JSON error body of every API route: `{ error: { code, message, reason? } }` (reason: a machine-readable detail, e.g. why a 409). */
export const ApiErrorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string(), reason: z.string().optional() }) });
export type ApiErrorBody = z.infer<typeof ApiErrorBodySchema>;

export const APP_ERROR_STATUS = {
  "bad-request": 400,
  unauthenticated: 401,
  forbidden: 403,
  "not-found": 404,
  conflict: 409,
  "payload-too-large": 413,
  "unsupported-media-type": 415,
  "too-many-requests": 429,
  internal: 500,
  "bad-gateway": 502,
} as const;
export type AppErrorCode = keyof typeof APP_ERROR_STATUS;

/** An error whose message is safe to show a user; the cause is logged, never sent. */
export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly cause?: unknown,
    /** What a client can act on beyond the code ("lease-held", "lease-lost", "stale-write"…). */
    readonly reason?: string,
  ) {
    super(message);
  }
  get status(): number {
    return APP_ERROR_STATUS[this.code];
  }
}

/** Human-readable summary of a zod error: "field: message; field: message". */
export function describeZodError(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
}
