import { queueStore } from "@/lib/queues";
import { guarded } from "@/app/api/http";
import { itemParams, type ItemParams } from "./params";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** One item with every annotator's work side by side (researchers, for adjudication). */
export const GET = guarded("run", async (_request, _user, context: ItemParams) => {
  const { id, idx } = await itemParams(context);
  return Response.json(queueStore().item(id, idx));
});
