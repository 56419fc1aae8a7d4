import { AppError, describeZodError } from "@/lib/protocol";
import { ImportJobIdSchema, ImportQuerySchema } from "@/lib/import";
import { UPLOAD_TYPES } from "@/lib/auth";
import { getDb, importJob, importMaxBytes, importResponse, importTraces, readImportRequest, startImportJob } from "@/lib/db";
import { guarded } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * Import JSONL traces: a raw body (application/x-ndjson) or a multipart field "file".
 * `?mode=valid-lines|all-or-nothing` and `?dataset=NAME` (also as multipart fields, before or
 * after the file); `?job=ID` (a random id the client picks) makes its progress readable with
 * GET ?job=ID while it runs. 200 with the report when something was stored; 400 with the report
 * when nothing was; 413 as soon as the upload passes the limit (HINTLAB_IMPORT_MAX_BYTES, default 100 MB).
 */
export const POST = guarded(
  "run",
  async (request) => {
    const { job: jobParam, ...params } = Object.fromEntries(new URL(request.url).searchParams);
    const job = jobParam === undefined ? undefined : startJob(jobParam);
    try {
      const { source, fields } = await readImportRequest(request, importMaxBytes());
      // Read again once the upload has ended: a form's fields may come after its file.
      const query = () => {
        const q = ImportQuerySchema.safeParse({ ...fields, ...params });
        if (!q.success) throw new AppError("bad-request", describeZodError(q.error));
        return q.data;
      };
      const declared = Number(request.headers.get("content-length"));
      const totalBytes = Number.isFinite(declared) && declared > 0 ? declared : undefined;
      const report = await importTraces(getDb(), source, { ...query(), settle: query, ...(job ? { onProgress: job.progress } : {}), ...(totalBytes ? { totalBytes } : {}) });
      job?.end();
      return importResponse(report);
    } catch (e) {
      job?.end(e instanceof AppError ? e.message : "the import failed");
      throw e;
    }
  },
  // readImportRequest enforces the import limit itself, while streaming, with a message that says how to split the file.
  { bodyTypes: UPLOAD_TYPES, maxBytes: Infinity },
);

function startJob(raw: string) {
  const id = ImportJobIdSchema.safeParse(raw);
  if (!id.success) throw new AppError("bad-request", describeZodError(id.error));
  if (importJob(id.data)?.state === "running") throw new AppError("conflict", `an import with job id ${id.data} is already running`);
  return startImportJob(id.data);
}

/** GET ?job=ID: the progress of an import started with that job id (404 once it is long over). */
export const GET = guarded("run", (request) => {
  const id = ImportJobIdSchema.safeParse(new URL(request.url).searchParams.get("job") ?? "");
  if (!id.success) throw new AppError("bad-request", describeZodError(id.error));
  const job = importJob(id.data);
  if (!job) throw new AppError("not-found", `no import with job id ${id.data}`);
  return Response.json(job);
});
