import { z } from "zod";
import { localModelStatus } from "@/lib/providers";
import { guarded, parseQuery } from "../http";
import { rethrowModelError } from "./errors";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

const QuerySchema = z.object({ ref: z.string().min(1).max(1000).optional() });

/** GET /api/local-model?ref=: is the local model on disk, downloading, or missing (and why). */
export const GET = guarded("read", (request) => {
  const { ref } = parseQuery(request, QuerySchema);
  return rethrowModelError(() => Response.json(localModelStatus(ref)));
});
