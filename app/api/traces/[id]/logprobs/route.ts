import { toTraceLogprobs, traceStore } from "@/lib/db";
import { guarded, type IdParams } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** The trace's token probabilities, `{ segments: [{ segment, packed }] }` (TraceLogprobsSchema; empty when none); 404 when there is no such trace. */
export const GET = guarded("read", async (_request, _user, { params }: IdParams) => Response.json(toTraceLogprobs(traceStore().logprobs((await params).id))));
