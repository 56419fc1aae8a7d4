import { TagsBodySchema } from "@/lib/protocol";
import { traceStore } from "@/lib/db";
import { handle, parseJsonBody, type IdParams } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export const PUT = (request: Request, { params }: IdParams) =>
  handle(async () => Response.json(traceStore().setTags((await params).id, await parseJsonBody(request, TagsBodySchema))));
