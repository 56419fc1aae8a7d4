import { publicConfig } from "@/lib/providers";
import { guarded } from "@/app/api/http";

// Reads the environment at request time, so a restart with new variables is seen without a rebuild.
export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** GET /api/config: the server's model connection as the browser may see it (never the key). */
export const GET = guarded("read", () => Response.json(publicConfig()));
