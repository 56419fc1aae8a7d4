import { ReviewBodySchema } from "@/lib/protocol";
import { queueWork } from "@/lib/queues";
import { guarded, parseJsonBody } from "@/app/api/http";
import type { AssignmentParams } from "../params";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The annotator's decision; it makes the item done for them. */
export const PUT = guarded("annotate", async (request, user, { params }: AssignmentParams) => {
  const { id, aid } = await params;
  return Response.json(queueWork().setReview(id, aid, { ...(await parseJsonBody(request, ReviewBodySchema)), annotator: user.name }));
});
