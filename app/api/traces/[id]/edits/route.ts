import { EditBodySchema } from "@/lib/protocol";
import { traceStore } from "@/lib/db";
import { guarded, parseJsonBody, type IdParams } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The author is the signed-in account, never a name the client sends. */
export const POST = guarded("annotate", async (request, user, { params }: IdParams) =>
  Response.json(traceStore().addEdit((await params).id, { ...(await parseJsonBody(request, EditBodySchema)), author: user.name }), { status: 201 }),
);
