import { ProblemPageQuerySchema } from "@/lib/protocol";
import { experimentStore } from "@/lib/experiments";
import { handle, parseQuery, type IdParams } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = (request: Request, { params }: IdParams) =>
  handle(async () => {
    const { offset, limit } = parseQuery(request, ProblemPageQuerySchema);
    return Response.json(experimentStore().problems((await params).id, offset, limit));
  });
