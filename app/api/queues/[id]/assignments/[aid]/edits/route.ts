import { EditBodySchema } from "@/lib/protocol";
import { queueWork } from "@/lib/queues";
import { guarded, parseJsonBody } from "@/app/api/http";
import type { AssignmentParams } from "../params";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const POST = guarded("annotate", async (request, user, { params }: AssignmentParams) => {
  const { id, aid } = await params;
  return Response.json(queueWork().addEdit(id, aid, { ...(await parseJsonBody(request, EditBodySchema)), annotator: user.name }), { status: 201 });
});
