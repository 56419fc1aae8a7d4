import { traceStore } from "@/lib/db";
import { handle, type IdParams } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const GET = (_: Request, { params }: IdParams) => handle(async () => Response.json(traceStore().get((await params).id)));

export const DELETE = (_: Request, { params }: IdParams) =>
  handle(async () => {
    traceStore().delete((await params).id);
    return new Response(null, { status: 204 });
  });
