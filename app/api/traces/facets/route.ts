import { traceStore } from "@/lib/db";
import { handle } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = () => handle(() => Response.json(traceStore().facets()));
