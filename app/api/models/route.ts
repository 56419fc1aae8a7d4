import { listModels } from "@/lib/providers";
import { handle } from "../http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET /api/models: models Model settings can choose from (remote endpoint + local cache). */
export function GET(): Promise<Response> {
  return handle(async () => Response.json(await listModels()));
}
