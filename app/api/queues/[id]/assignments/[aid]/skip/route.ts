import { queueWork } from "@/lib/queues";
import { guarded } from "@/app/api/http";
import type { AssignmentParams } from "../params";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Put the item back for now (recorded; it comes back after the others). */
export const POST = guarded("annotate", async (_request, user, { params }: AssignmentParams) => {
  const { id, aid } = await params;
  queueWork().skip(id, aid, user.name);
  return new Response(null, { status: 204 });
});
