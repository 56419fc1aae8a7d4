import type { z } from "zod";
import { AppError, describeZodError, type ApiErrorBody, type Capability, type PublicUser } from "@/lib/protocol";
import { authorize, readAuthConfig, type GuardOptions } from "@/lib/auth";

/**
 * Read a body as text, at most `maxBytes` (default HINTLAB_JSON_MAX_BYTES): a declared length
 * over it is refused before reading, a chunked body is cut off as soon as it passes it.
 */
export async function readBodyText(request: Request, maxBytes = readAuthConfig().jsonMaxBytes): Promise<string> {
  const tooLarge = () => new AppError("payload-too-large", `the request body is larger than ${maxBytes} bytes (HINTLAB_JSON_MAX_BYTES sets the limit for JSON bodies)`);
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  if (!request.body) return "";
  const reader = request.body.getReader();
  const decoder = new TextDecoder();
  let seen = 0;
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    seen += value.length;
    if (seen > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

/** Parse a JSON request body with a schema; a bad body is a 400 that names the wrong field. */
export async function parseJsonBody<T extends z.ZodType>(request: Request, schema: T, maxBytes?: number): Promise<z.infer<T>> {
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") throw new AppError("unsupported-media-type", "send the body as application/json");
  let json: unknown;
  const text = await readBodyText(request, maxBytes);
  try {
    json = JSON.parse(text);
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
    return Response.json({ error: { code: e.code, message: e.message, ...(e.reason ? { reason: e.reason } : {}) } } satisfies ApiErrorBody, { status: e.status });
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

/**
 * A route handler behind the gate: the request must pass `authorize` (Host, same-origin,
 * content type, size, session, role) before `fn` runs; `fn` gets the signed-in user.
 * ```ts
 * export const DELETE = guarded("run", async (request, user, { params }: IdParams) => …);
 * ```
 */
export function guarded<C = unknown>(
  capability: Capability,
  fn: (request: Request, user: PublicUser, context: C) => Response | Promise<Response>,
  options?: GuardOptions,
): (request: Request, context?: C) => Promise<Response> {
  return (request, context) => handle(() => fn(request, authorize(request, capability, options), context as C));
}

export type IdParams = { params: Promise<{ id: string }> };
