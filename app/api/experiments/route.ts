import { ExperimentSpecSchema } from "@/lib/protocol";
import { createAndStartExperiment, experimentStore } from "@/lib/experiments";
import { handle, parseJsonBody } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET: experiments, newest first, with progress. POST: create one from a spec and start it in the background (201). */
export const GET = () => handle(() => Response.json(experimentStore().listExperiments()));

export const POST = (request: Request) => handle(async () => Response.json(createAndStartExperiment(await parseJsonBody(request, ExperimentSpecSchema)), { status: 201 }));
