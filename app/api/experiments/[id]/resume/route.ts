import { resumeExperiment } from "@/lib/experiments";
import { guarded, type IdParams } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Run what is not finished (pending, failed, or left running by a dead server); 409 when running or complete. */
export const POST = guarded("run", async (_request, _user, { params }: IdParams) => Response.json(resumeExperiment((await params).id)));
