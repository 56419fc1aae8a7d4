import { AppError, describeZodError } from "@/lib/protocol";
import { ImportQuerySchema } from "@/lib/import";
import { UPLOAD_TYPES } from "@/lib/auth";
import { getDb, importMaxBytes, importResponse, importTraces, readImportRequest } from "@/lib/db";
import { guarded } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * Import JSONL traces: a raw body (application/x-ndjson) or a multipart field "file".
 * `?mode=valid-lines|all-or-nothing` and `?dataset=NAME` (also as multipart fields, before or
 * after the file). 200 with the report when something was stored; 400 with the report when
 * nothing was; 413 as soon as the upload passes the limit (HINTLAB_IMPORT_MAX_BYTES, default 100 MB).
 */
export const POST = guarded(
  "run",
  async (request) => {
    const { source, fields } = await readImportRequest(request, importMaxBytes());
    const params = Object.fromEntries(new URL(request.url).searchParams);
    // Read again once the upload has ended: a form's fields may come after its file.
    const query = () => {
      const q = ImportQuerySchema.safeParse({ ...fields, ...params });
      if (!q.success) throw new AppError("bad-request", describeZodError(q.error));
      return q.data;
    };
    return importResponse(await importTraces(getDb(), source, { ...query(), settle: query }));
  },
  // readImportRequest enforces the import limit itself, while streaming, with a message that says how to split the file.
  { bodyTypes: UPLOAD_TYPES, maxBytes: Infinity },
);
