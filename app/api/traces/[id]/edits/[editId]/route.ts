import { RemoveBodySchema } from "@/lib/protocol";
import { traceStore } from "@/lib/db";
import { guarded, parseJsonBody } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Undo an edit (the original segments were never changed). */
export const DELETE = guarded("annotate", async (request, user, { params }: { params: Promise<{ id: string; editId: string }> }) => {
  const { id, editId } = await params;
  return Response.json(traceStore().removeEdit(id, editId, { ...(await parseJsonBody(request, RemoveBodySchema)), author: user.name }));
});
