import { traceStore } from "@/lib/db";
import { guarded, type IdParams } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = guarded("read", async (_request, _user, { params }: IdParams) => Response.json(traceStore().get((await params).id)));

/** Researchers and admins only: annotators cannot delete. */
export const DELETE = guarded("run", async (_request, _user, { params }: IdParams) => {
  traceStore().delete((await params).id);
  return new Response(null, { status: 204 });
});
