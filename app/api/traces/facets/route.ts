import { traceStore } from "@/lib/db";
import { guarded } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = guarded("read", () => Response.json(traceStore().facets()));
