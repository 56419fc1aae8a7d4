import { GenerateBodySchema } from "@/lib/protocol";
import { generateResponse } from "@/lib/providers";
import { guarded, parseJsonBody } from "@/app/api/http";

// Streams from a model server with the server's own key: Node runtime, never cached.
export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * POST /api/generate: body `GenerateBody`, answer NDJSON `GenerateFrame`s (text…, then done | error).
 * Researchers and admins only; the model is one of the server's connections (never a URL from the body).
 */
export const POST = guarded("run", async (request) => {
  const body = await parseJsonBody(request, GenerateBodySchema);
  // request.signal aborts when the browser goes away; generateResponse aborts the model request then.
  return generateResponse(body, request.signal);
});
