import type { z } from "zod";
import { AppError, describeZodError, type ApiErrorBody } from "@/lib/protocol";

/** Parse a JSON request body with a schema; a bad body is a 400 that names the wrong field. */
export async function parseJsonBody<T extends z.ZodType>(request: Request, schema: T): Promise<z.infer<T>> {
  let json: unknown;
  try {
    json = await request.json();
  } catch {
    throw new AppError("bad-request", "the request body is not valid JSON");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new AppError("bad-request", describeZodError(parsed.error));
  return parsed.data;
}

/** Map any error to `{ error: { code, message } }`; unknown errors are logged, never leaked. */
export function jsonError(e: unknown): Response {
  if (e instanceof AppError) {
    return Response.json({ error: { code: e.code, message: e.message } } satisfies ApiErrorBody, { status: e.status });
  }
  console.error(e);
  return Response.json({ error: { code: "internal", message: "internal server error" } } satisfies ApiErrorBody, { status: 500 });
}

/** Parse URL search params with a schema (400 naming the wrong parameter). */
export function parseQuery<T extends z.ZodType>(request: Request, schema: T): z.infer<T> {
  const params = Object.fromEntries(new URL(request.url).searchParams);
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw new AppError("bad-request", describeZodError(parsed.error));
  return parsed.data;
}

/** Run a handler, mapping errors to JSON responses. */
export async function handle(fn: () => Response | Promise<Response>): Promise<Response> {
  try {
    return await fn();
  } catch (e) {
    return jsonError(e);
  }
}

export type IdParams = { params: Promise<{ id: string }> };
