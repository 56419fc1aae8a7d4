import { AppError, ExperimentSpecSchema } from "@/lib/protocol";
import { createAndStartExperiment, experimentStore, sweepStore } from "@/lib/experiments";
import { guarded, parseJsonBody } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET: experiments and sweeps (`kind`), newest first, with progress. */
export const GET = guarded("read", () =>
  Response.json([...experimentStore().listExperiments(), ...sweepStore().list()].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1))),
);

/** POST: create one from a spec and start it in the background (201). The model is a connection id, never a URL (SSRF). */
export const POST = guarded("run", async (request) => {
  const spec = await parseJsonBody(request, ExperimentSpecSchema);
  if (spec.model.baseUrl !== undefined || spec.model.endpoints !== undefined) {
    throw new AppError("bad-request", `model.${spec.model.baseUrl !== undefined ? "baseUrl" : "endpoints"}: choose a connection (model.connection) instead; an admin adds model servers in Settings → Model connections`);
  }
  return Response.json(createAndStartExperiment(spec), { status: 201 });
});
