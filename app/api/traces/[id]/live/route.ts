import { LiveAppendBodySchema } from "@/lib/protocol";
import { traceStore } from "@/lib/db";
import { guarded, parseJsonBody, type IdParams } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The running session's writer (idempotent; see LiveAppendBodySchema). */
export const PATCH = guarded("run", async (request, _user, { params }: IdParams) =>
  Response.json(traceStore().liveAppend((await params).id, await parseJsonBody(request, LiveAppendBodySchema))),
);
