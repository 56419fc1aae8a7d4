import { experimentDetail } from "@/lib/experiments";
import { handle, type IdParams } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Progress (live rates while running in this server) and results. */
export const GET = (_: Request, { params }: IdParams) => handle(async () => Response.json(experimentDetail((await params).id)));
