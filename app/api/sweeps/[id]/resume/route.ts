import { resumeSweep } from "@/lib/experiments";
import { guarded, type IdParams } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Run what never finished (done and failed samples are never run again). */
export const POST = guarded("run", async (_request, _user, { params }: IdParams) => Response.json(resumeSweep((await params).id)));
