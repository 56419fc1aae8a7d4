import { TagsBodySchema } from "@/lib/protocol";
import { traceStore } from "@/lib/db";
import { guarded, parseJsonBody, type IdParams } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The author (of the activity entry) is the signed-in account. */
export const PUT = guarded("annotate", async (request, user, { params }: IdParams) =>
  Response.json(traceStore().setTags((await params).id, { ...(await parseJsonBody(request, TagsBodySchema)), author: user.name })),
);
