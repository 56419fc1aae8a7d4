import { z } from "zod";
import { listModels, readServerConfig } from "@/lib/providers";
import { guarded, parseQuery } from "../http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const QuerySchema = z.object({ connection: z.string().min(1).max(100).optional() });

/** GET /api/models?connection=ID: models Model settings can choose from (that connection's endpoint + the local cache). */
export const GET = guarded("run", async (request) => Response.json(await listModels(readServerConfig(), parseQuery(request, QuerySchema).connection)));
