import { RemoveBodySchema } from "@/lib/protocol";
import { traceStore } from "@/lib/db";
import { guarded, parseJsonBody } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const DELETE = guarded("annotate", async (request, user, { params }: { params: Promise<{ id: string; annotationId: string }> }) => {
  const { id, annotationId } = await params;
  return Response.json(traceStore().removeAnnotation(id, annotationId, { ...(await parseJsonBody(request, RemoveBodySchema)), author: user.name }));
});
