import { guarded } from "@/app/api/http";
import { annotatorNames } from "./names";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Account names and roles for the new-queue form (researchers; the accounts page itself is admin-only). */
export const GET = guarded("run", async (_request, user) => Response.json({ items: annotatorNames(user) }));
