import { RemoveBodySchema } from "@/lib/protocol";
import { queueWork } from "@/lib/queues";
import { guarded, parseJsonBody } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const DELETE = guarded("annotate", async (request, user, { params }: { params: Promise<{ id: string; aid: string; editId: string }> }) => {
  const { id, aid, editId } = await params;
  return Response.json(queueWork().removeEdit(id, aid, editId, { ...(await parseJsonBody(request, RemoveBodySchema)), annotator: user.name }));
});
