import { z } from "zod";
import { DownloadBodySchema } from "@/lib/protocol";
import { cancelDownload, downloadResponse } from "@/lib/providers";
import { handle, parseJsonBody, parseQuery } from "../../http";
import { rethrowModelError } from "../errors";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** POST /api/local-model/download `{ ref? }`: NDJSON DownloadFrames (progress…, then done | error). */
export function POST(request: Request): Promise<Response> {
  return handle(async () => {
    const { ref } = await parseJsonBody(request, DownloadBodySchema);
    return rethrowModelError(() => downloadResponse(ref, request.signal));
  });
}

/** DELETE /api/local-model/download?ref=: stop the download; the partial file stays for a resume. */
export function DELETE(request: Request): Promise<Response> {
  return handle(() => {
    const { ref } = parseQuery(request, z.object({ ref: z.string().min(1).max(1000).optional() }));
    return rethrowModelError(() => Response.json({ cancelled: cancelDownload(ref) }));
  });
}
