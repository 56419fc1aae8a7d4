import { LiveAppendBodySchema } from "@/lib/protocol";
import { traceStore } from "@/lib/db";
import { handle, parseJsonBody, type IdParams } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The running session's writer (idempotent; see LiveAppendBodySchema). */
export const PATCH = (request: Request, { params }: IdParams) =>
  handle(async () => Response.json(traceStore().liveAppend((await params).id, await parseJsonBody(request, LiveAppendBodySchema))));
