import { traceStore } from "@/lib/db";
import { guarded, type IdParams } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The trace's fork tree: every trace descending from its root. */
export const GET = guarded("read", async (_request, _user, { params }: IdParams) => Response.json(traceStore().family((await params).id)));
