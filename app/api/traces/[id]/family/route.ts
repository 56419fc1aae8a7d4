import { traceStore } from "@/lib/db";
import { handle, type IdParams } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The trace's fork tree: every trace descending from its root. */
export const GET = (_: Request, { params }: IdParams) => handle(async () => Response.json(traceStore().family((await params).id)));
