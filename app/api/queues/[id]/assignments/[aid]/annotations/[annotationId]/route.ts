import { RemoveBodySchema } from "@/lib/protocol";
import { queueWork } from "@/lib/queues";
import { guarded, parseJsonBody } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const DELETE = guarded("annotate", async (request, user, { params }: { params: Promise<{ id: string; aid: string; annotationId: string }> }) => {
  const { id, aid, annotationId } = await params;
  return Response.json(queueWork().removeAnnotation(id, aid, annotationId, { ...(await parseJsonBody(request, RemoveBodySchema)), annotator: user.name }));
});
