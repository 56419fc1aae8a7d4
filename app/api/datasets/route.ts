import { experimentStore } from "@/lib/experiments";
import { guarded } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = guarded("read", () => Response.json(experimentStore().listDatasets()));
