import { z } from "zod";
import { DownloadBodySchema } from "@/lib/protocol";
import { cancelDownload, downloadResponse } from "@/lib/providers";
import { guarded, parseJsonBody, parseQuery } from "../../http";
import { rethrowModelError } from "../errors";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** POST /api/local-model/download `{ ref? }`: NDJSON DownloadFrames (progress…, then done | error). Researchers and admins only. */
export const POST = guarded("run", async (request) => {
  const { ref } = await parseJsonBody(request, DownloadBodySchema);
  return rethrowModelError(() => downloadResponse(ref, request.signal));
});

/** DELETE /api/local-model/download?ref=: stop the download; the partial file stays for a resume. */
export const DELETE = guarded("run", (request) => {
  const { ref } = parseQuery(request, z.object({ ref: z.string().min(1).max(1000).optional() }));
  return rethrowModelError(() => Response.json({ cancelled: cancelDownload(ref) }));
});
