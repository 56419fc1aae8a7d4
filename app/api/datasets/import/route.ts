import { AppError, DatasetImportQuerySchema } from "@/lib/protocol";
import { importMaxBytes } from "@/lib/db";
import { experimentStore } from "@/lib/experiments";
import { handle, parseQuery } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * Import a JSONL problem set (raw body). `?name=NAME&mode=valid|all-or-nothing`. 200 with the
 * report (bad lines by number and reason) when a dataset was stored; 400 with it when none was.
 */
export const POST = (request: Request) =>
  handle(async () => {
    const query = parseQuery(request, DatasetImportQuerySchema);
    const text = await request.text();
    if (Buffer.byteLength(text) > importMaxBytes()) throw new AppError("payload-too-large", "the dataset is larger than HINTLAB_IMPORT_MAX_BYTES");
    const report = experimentStore().importDataset(text, query.name, query.mode);
    return Response.json(report, { status: report.dataset ? 200 : 400 });
  });
