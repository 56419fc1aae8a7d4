import { cancelExperiment } from "@/lib/experiments";
import { guarded, type IdParams } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Abort in-flight items (they go back to pending); finished ones are kept. */
export const POST = guarded("run", async (_request, _user, { params }: IdParams) => Response.json(await cancelExperiment((await params).id)));
