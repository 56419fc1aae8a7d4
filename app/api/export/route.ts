import { ExportQuerySchema, splitExportQuery, traceToLines } from "@/lib/export";
import { exportStream, getDb } from "@/lib/db";
import { queueScopedLines } from "@/lib/queues";
import { guarded, parseQuery } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Streamed JSONL export of the traces matching the list filters (see lib/export/README.md). Researchers and admins only. */
export const GET = guarded("run", (request) => {
  const { filters, format, opts } = splitExportQuery(parseQuery(request, ExportQuerySchema));
  // Accepted in a queue: each trace exports as the queue's final version (adjudicated where its annotators disagreed).
  const toLines = filters.queue ? queueScopedLines(getDb(), filters.queue, (queue) => traceToLines(format, { ...opts, queue })) : traceToLines(format, opts);
  return new Response(exportStream(getDb(), filters, toLines), {
    headers: {
      "Content-Type": "application/x-ndjson; charset=utf-8",
      "Content-Disposition": `attachment; filename="hintlab-${format}.jsonl"`,
      "Cache-Control": "no-store",
    },
  });
});
