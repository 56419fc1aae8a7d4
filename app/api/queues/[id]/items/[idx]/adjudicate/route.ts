import { AdjudicateBodySchema } from "@/lib/protocol";
import { queueStore } from "@/lib/queues";
import { guarded, parseJsonBody } from "@/app/api/http";
import { itemParams, type ItemParams } from "../params";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The researcher's choice of the version that exports: one annotator's, or a merge. */
export const POST = guarded("run", async (request, user, context: ItemParams) => {
  const { id, idx } = await itemParams(context);
  return Response.json(queueStore().adjudicate(id, idx, await parseJsonBody(request, AdjudicateBodySchema), user.name));
});
