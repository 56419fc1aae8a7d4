import { cancelSweep } from "@/lib/experiments";
import { guarded, type IdParams } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Abort in-flight samples (they go back to pending); finished ones are kept. */
export const POST = guarded("run", async (_request, _user, { params }: IdParams) => Response.json(await cancelSweep((await params).id)));
