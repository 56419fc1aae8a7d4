import { ExportQuerySchema, splitExportQuery } from "@/lib/export";
import { getDb } from "@/lib/db";
import { exportBody } from "@/lib/export-worker";
import { guarded, parseQuery } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/**
 * Streamed JSONL export of the traces matching the list filters (see lib/export/README.md), read
 * and encoded in worker threads (lib/export-worker). Researchers and admins only.
 */
export const GET = guarded("run", (request) => {
  const { filters, format, opts } = splitExportQuery(parseQuery(request, ExportQuerySchema));
  // Accepted in a queue: each trace exports as the queue's final version (adjudicated where its annotators disagreed).
  return new Response(exportBody(getDb(), filters, { format, opts, ...(filters.queue ? { queue: filters.queue } : {}) }), {
    headers: {
      "Content-Type": "application/x-ndjson; charset=utf-8",
      "Content-Disposition": `attachment; filename="hintlab-${format}.jsonl"`,
      "Cache-Control": "no-store",
    },
  });
});
