import { ExportQuerySchema, splitExportQuery, traceToLines } from "@/lib/export";
import { exportStream, getDb } from "@/lib/db";
import { queueStore } from "@/lib/queues";
import { guarded, parseQuery } from "@/app/api/http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

/** Streamed JSONL export of the traces matching the list filters (see lib/export/README.md). Researchers and admins only. */
export const GET = guarded("run", (request) => {
  const { filters, format, opts } = splitExportQuery(parseQuery(request, ExportQuerySchema));
  let toLines = traceToLines(format, opts);
  if (filters.queue) {
    // Accepted in a queue: each trace exports as the queue's final version (adjudicated where its annotators disagreed).
    const queues = queueStore();
    const overlay = queues.overlay(filters.queue);
    const lines = traceToLines(format, { ...opts, queue: { id: filters.queue, name: queues.name(filters.queue) } });
    toLines = (trace) => lines(overlay(trace));
  }
  return new Response(exportStream(getDb(), filters, toLines), {
    headers: {
      "Content-Type": "application/x-ndjson; charset=utf-8",
      "Content-Disposition": `attachment; filename="hintlab-${format}.jsonl"`,
      "Cache-Control": "no-store",
    },
  });
});
