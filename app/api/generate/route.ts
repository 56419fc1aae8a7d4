import { describeZodError, GenerateBodySchema, type ApiErrorBody } from "@/lib/protocol";
import { generateResponse } from "@/lib/providers";

// Streams from a model server with the server's own key: Node runtime, never cached.
export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** POST /api/generate: body `GenerateBody`, answer NDJSON `GenerateFrame`s (text…, then done | error). */
export async function POST(request: Request): Promise<Response> {
  let json: unknown;
  try {
    json = await request.json();
  } catch {
    return badRequest("The request body is not valid JSON.");
  }
  const parsed = GenerateBodySchema.safeParse(json);
  if (!parsed.success) return badRequest(`Invalid generate request: ${describeZodError(parsed.error)}`);
  // request.signal aborts when the browser goes away; generateResponse aborts the model request then.
  return generateResponse(parsed.data, request.signal);
}

function badRequest(message: string): Response {
  const body: ApiErrorBody = { error: { code: "bad-request", message } };
  return Response.json(body, { status: 400 });
}
