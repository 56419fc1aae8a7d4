import { UserHintsBodySchema } from "@/lib/protocol";
import { listHints, saveUserHints } from "@/lib/db";
import { guarded, parseJsonBody } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = guarded("read", async () => Response.json({ hints: await listHints() }));

/** Replace the user hints of the Hint-Library (built-ins are read-only). Admins only. */
export const PUT = guarded("admin", async (request) => {
  const body = await parseJsonBody(request, UserHintsBodySchema);
  await saveUserHints(body.hints);
  return Response.json({ hints: await listHints() });
});
