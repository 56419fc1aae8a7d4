import { RemoveBodySchema } from "@/lib/protocol";
import { traceStore } from "@/lib/db";
import { handle, parseJsonBody } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Undo an edit (the original segments were never changed). */
export const DELETE = (request: Request, { params }: { params: Promise<{ id: string; editId: string }> }) =>
  handle(async () => {
    const { id, editId } = await params;
    return Response.json(traceStore().removeEdit(id, editId, await parseJsonBody(request, RemoveBodySchema)));
  });
