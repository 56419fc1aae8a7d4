import { startRegrade } from "@/lib/experiments";
import { guarded, type IdParams } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * Grade the finished items again with this server's grader, in the background (issue 15); the old
 * verdicts stay in the history. `?force=1` also regrades items the current grader already graded.
 * 409 while the experiment runs or is being regraded. Same capability as starting a run.
 */
export const POST = guarded("run", async (request, _user, { params }: IdParams) =>
  Response.json(startRegrade((await params).id, new URL(request.url).searchParams.get("force") === "1"), { status: 202 }),
);
