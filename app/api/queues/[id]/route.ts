import { roleCan } from "@/lib/protocol";
import { queueStore } from "@/lib/queues";
import { guarded, type IdParams } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Researchers get progress, agreement and disagreements; an annotator of the queue its summary with their progress. */
export const GET = guarded("read", async (_request, user, { params }: IdParams) => {
  const { id } = await params;
  const researcher = roleCan(user.role, "run");
  return Response.json(researcher ? queueStore().detail(id) : queueStore().summary(id, { name: user.name, researcher }));
});

/** Delete a queue and its assignments (the traces and their activity log stay). */
export const DELETE = guarded("run", async (_request, _user, { params }: IdParams) => {
  queueStore().delete((await params).id);
  return new Response(null, { status: 204 });
});
