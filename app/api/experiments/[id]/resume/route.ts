import { resumeExperiment } from "@/lib/experiments";
import { handle, type IdParams } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Run what is not finished (pending, failed, or left running by a dead server); 409 when running or complete. */
export const POST = (_: Request, { params }: IdParams) => handle(async () => Response.json(resumeExperiment((await params).id)));
