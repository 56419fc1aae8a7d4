import { cancelExperiment } from "@/lib/experiments";
import { handle, type IdParams } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Abort in-flight items (they go back to pending); finished ones are kept. */
export const POST = (_: Request, { params }: IdParams) => handle(async () => Response.json(await cancelExperiment((await params).id)));
