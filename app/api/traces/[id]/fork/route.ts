import { ForkBodySchema } from "@/lib/protocol";
import { traceStore } from "@/lib/db";
import { guarded, parseJsonBody, type IdParams } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** POST /api/traces/:id/fork: `{segment, offset, alternative?}` or `{edit}` (continue from an edit); the fork is logged by the signed-in user. */
export const POST = guarded("run", async (request, user, { params }: IdParams) =>
  Response.json(traceStore().fork((await params).id, await parseJsonBody(request, ForkBodySchema), user.name), { status: 201 }),
);
