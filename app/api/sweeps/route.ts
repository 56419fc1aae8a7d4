import { SweepCreateBodySchema } from "@/lib/protocol";
import { createAndStartSweep } from "@/lib/experiments";
import { guarded, parseJsonBody } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** POST: plan a sweep from a stored trace and run it in the background (201 `{ id }`). The model is a connection id, never a URL. */
export const POST = guarded("run", async (request) => Response.json(await createAndStartSweep(await parseJsonBody(request, SweepCreateBodySchema)), { status: 201 }));
