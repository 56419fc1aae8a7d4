import { RemoveBodySchema } from "@/lib/protocol";
import { traceStore } from "@/lib/db";
import { handle, parseJsonBody } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const DELETE = (request: Request, { params }: { params: Promise<{ id: string; annotationId: string }> }) =>
  handle(async () => {
    const { id, annotationId } = await params;
    return Response.json(traceStore().removeAnnotation(id, annotationId, await parseJsonBody(request, RemoveBodySchema)));
  });
