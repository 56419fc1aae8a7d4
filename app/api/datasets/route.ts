import { experimentStore } from "@/lib/experiments";
import { handle } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = () => handle(() => Response.json(experimentStore().listDatasets()));
