import { z } from "zod";
import { applyRftSelection } from "@/lib/experiments";
import { guarded, parseJsonBody, type IdParams } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const RftBodySchema = z.object({
  greedyWrong: z.enum(["all", "any"]).optional(),
  maxRepetition: z.number().min(0).max(1).optional(),
  ngram: z.number().int().min(2).max(50).optional(),
  minToolCalls: z.number().int().min(0).max(100).optional(),
  weights: z.object({ correct: z.number(), tokens: z.number(), failed: z.number() }).partial().optional(),
});

/** Select Hint-RFT data from this experiment (see lib/experiments/rft.ts); tags the selection rft:<id>. */
export const POST = guarded("run", async (request, user, { params }: IdParams) =>
  Response.json(applyRftSelection((await params).id, await parseJsonBody(request, RftBodySchema), user.name)),
);
