import { getDb, traceActivity } from "@/lib/db";
import { guarded, type IdParams } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Who did what to the trace, oldest first: `{ traceId, items }` (TraceActivitySchema); 404 when there is no such trace. */
export const GET = guarded("read", async (_request, _user, { params }: IdParams) => Response.json(traceActivity(getDb(), (await params).id)));
