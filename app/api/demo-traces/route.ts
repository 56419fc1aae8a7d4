import { getDb, loadDemoTraces } from "@/lib/db";
import { guarded } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * Load the demo traces shipped in demo-traces/ into the library (researchers: it is an import).
 * Idempotent: `{ added, present }` lists the ids written now and those already there.
 */
export const POST = guarded("run", async () => Response.json(await loadDemoTraces(getDb())));
