import { queueWork } from "@/lib/queues";
import { guarded } from "@/app/api/http";
import { viewer, type AssignmentParams } from "../params";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The trace as the assignment sees it: the annotator's own review, marks and edits, on the assignment's version. */
export const GET = guarded("read", async (_request, user, { params }: AssignmentParams) => {
  const { id, aid } = await params;
  return Response.json(queueWork().trace(id, aid, viewer(user)));
});
