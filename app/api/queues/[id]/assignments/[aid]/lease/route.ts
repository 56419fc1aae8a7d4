import { queueWork } from "@/lib/queues";
import { guarded } from "@/app/api/http";
import type { AssignmentParams } from "../params";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The open page renews its lease on the item. */
export const POST = guarded("annotate", async (_request, user, { params }: AssignmentParams) => {
  const { id, aid } = await params;
  return Response.json(queueWork().renew(id, aid, user.name));
});
