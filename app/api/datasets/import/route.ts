import { DatasetImportQuerySchema } from "@/lib/protocol";
import { importMaxBytes } from "@/lib/db";
import { UPLOAD_TYPES } from "@/lib/auth";
import { experimentStore } from "@/lib/experiments";
import { guarded, parseQuery, readBodyText } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * Import a JSONL problem set (raw body, application/x-ndjson). `?name=NAME&mode=valid|all-or-nothing`.
 * 200 with the report (bad lines by number and reason) when a dataset was stored; 400 with it
 * when none was; 413 as soon as the body passes HINTLAB_IMPORT_MAX_BYTES (it is never read whole first).
 */
export const POST = guarded(
  "run",
  async (request) => {
    const query = parseQuery(request, DatasetImportQuerySchema);
    const text = await readBodyText(request, importMaxBytes());
    const report = experimentStore().importDataset(text, query.name, query.mode);
    return Response.json(report, { status: report.dataset ? 200 : 400 });
  },
  { bodyTypes: UPLOAD_TYPES, maxBytes: importMaxBytes() },
);
