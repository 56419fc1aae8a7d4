import { UserHintsBodySchema } from "@/lib/protocol";
import { listHints, saveUserHints } from "@/lib/db";
import { jsonError, parseJsonBody } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET() {
  try {
    return Response.json({ hints: await listHints() });
  } catch (e) {
    return jsonError(e);
  }
}

/** Replace the user's hints (built-ins are read-only). */
export async function PUT(request: Request) {
  try {
    const body = await parseJsonBody(request, UserHintsBodySchema);
    await saveUserHints(body.hints);
    return Response.json({ hints: await listHints() });
  } catch (e) {
    return jsonError(e);
  }
}
