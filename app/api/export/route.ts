import { ExportQuerySchema, splitExportQuery, traceToLines } from "@/lib/export";
import { exportStream, getDb } from "@/lib/db";
import { guarded, parseQuery } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Streamed JSONL export of the traces matching the list filters (see lib/export/README.md). Researchers and admins only. */
export const GET = guarded("run", (request) => {
  const { filters, format, opts } = splitExportQuery(parseQuery(request, ExportQuerySchema));
  return new Response(exportStream(getDb(), filters, traceToLines(format, opts)), {
    headers: {
      "Content-Type": "application/x-ndjson; charset=utf-8",
      "Content-Disposition": `attachment; filename="hintlab-${format}.jsonl"`,
      "Cache-Control": "no-store",
    },
  });
});
