import { ProblemPageQuerySchema } from "@/lib/protocol";
import { experimentStore } from "@/lib/experiments";
import { guarded, parseQuery, type IdParams } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = guarded("read", async (request, _user, { params }: IdParams) => {
  const { offset, limit } = parseQuery(request, ProblemPageQuerySchema);
  return Response.json(experimentStore().problems((await params).id, offset, limit));
});
