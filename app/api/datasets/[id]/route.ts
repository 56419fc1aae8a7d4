import { experimentStore } from "@/lib/experiments";
import { guarded, type IdParams } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Researchers and admins: delete an imported dataset (409 for a bundled one, or one an experiment uses). */
export const DELETE = guarded("run", async (_request, _user, { params }: IdParams) => {
  experimentStore().deleteDataset((await params).id);
  return new Response(null, { status: 204 });
});
