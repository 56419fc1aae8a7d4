import { AppError, DatasetImportQuerySchema, describeZodError } from "@/lib/protocol";
import { DEFAULT_IMPORT_MAX_LINE_BYTES, importMaxBytes, readImportRequest } from "@/lib/db";
import { UPLOAD_TYPES } from "@/lib/auth";
import { experimentStore, parseDatasetStream } from "@/lib/experiments";
import { guarded } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * Import a JSONL problem set: a raw body (application/x-ndjson) or a multipart field "file";
 * `?name=NAME&mode=valid|all-or-nothing` (also as multipart fields). 200 with the report (bad
 * lines by number and reason) when a dataset was stored; 400 with it when none was; 413 as soon
 * as the upload passes HINTLAB_IMPORT_MAX_BYTES (it is read line by line, never whole first).
 */
export const POST = guarded(
  "run",
  async (request) => {
    const maxBytes = importMaxBytes();
    const { source, fields } = await readImportRequest(request, maxBytes);
    const params = Object.fromEntries(new URL(request.url).searchParams);
    const query = () => {
      const q = DatasetImportQuerySchema.safeParse({ ...fields, ...params });
      if (!q.success) throw new AppError("bad-request", describeZodError(q.error));
      return q.data;
    };
    query();
    const parsed = await parseDatasetStream(source, { maxBytes, maxLineBytes: DEFAULT_IMPORT_MAX_LINE_BYTES });
    // Read again after the upload: a form's fields may come after its file.
    const { name, mode } = query();
    const report = experimentStore().storeDataset(parsed, name, mode);
    return Response.json(report, { status: report.dataset ? 200 : 400 });
  },
  // readImportRequest enforces the import limit itself, while streaming, with a message that says how to split the file.
  { bodyTypes: UPLOAD_TYPES, maxBytes: Infinity },
);
