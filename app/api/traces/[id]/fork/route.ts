import { ForkBodySchema } from "@/lib/protocol";
import { traceStore } from "@/lib/db";
import { guarded, parseJsonBody, type IdParams } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const POST = guarded("run", async (request, _user, { params }: IdParams) =>
  Response.json(traceStore().fork((await params).id, await parseJsonBody(request, ForkBodySchema)), { status: 201 }),
);
