import { experimentDetail } from "@/lib/experiments";
import { guarded, type IdParams } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Progress (live rates while running in this server) and results. */
export const GET = guarded("read", async (_request, _user, { params }: IdParams) => Response.json(experimentDetail((await params).id)));
