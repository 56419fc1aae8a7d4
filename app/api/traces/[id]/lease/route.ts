import { LeaseAcquireBodySchema, LeaseBodySchema } from "@/lib/protocol";
import { traceStore } from "@/lib/db";
import { guarded, parseJsonBody, type IdParams } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * The live writer's lease on a trace (lib/db/live-writes.ts). POST: become the writer to resume
 * it — 409 with reason "lease-held" while someone else writes it, unless `takeOver`; the answer
 * carries the trace as stored at that moment. PUT: heartbeat of a held lease. DELETE: give it up.
 */
export const POST = guarded("run", async (request, _user, { params }: IdParams) => {
  const { takeOver } = await parseJsonBody(request, LeaseAcquireBodySchema);
  return Response.json(traceStore().acquireLease((await params).id, takeOver));
});

export const PUT = guarded("run", async (request, _user, { params }: IdParams) => {
  const { lease } = await parseJsonBody(request, LeaseBodySchema);
  traceStore().renewLease((await params).id, lease);
  return Response.json({ ok: true });
});

export const DELETE = guarded("run", async (request, _user, { params }: IdParams) => {
  const { lease } = await parseJsonBody(request, LeaseBodySchema);
  traceStore().releaseLease((await params).id, lease);
  return Response.json({ ok: true });
});
