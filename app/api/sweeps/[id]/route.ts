import { sweepDetail } from "@/lib/experiments";
import { guarded, type IdParams } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The sweep with its items, outcome grid or position summary, and cost (SweepView). */
export const GET = guarded("read", async (_request, _user, { params }: IdParams) => Response.json(sweepDetail((await params).id)));
