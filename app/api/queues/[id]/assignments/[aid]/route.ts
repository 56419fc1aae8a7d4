import { queueWork } from "@/lib/queues";
import { guarded } from "@/app/api/http";
import { viewer, type AssignmentParams } from "./params";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = guarded("read", async (_request, user, { params }: AssignmentParams) => {
  const { id, aid } = await params;
  return Response.json(queueWork().view(id, aid, viewer(user)));
});
