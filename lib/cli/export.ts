import { createWriteStream, renameSync, rmSync } from "node:fs";
import { once } from "node:events";
import type { Writable } from "node:stream";
import { parseArgs } from "node:util";
import { describeZodError } from "@/lib/protocol";
import { ExportQuerySchema, FORMATS, splitExportQuery } from "@/lib/export";
import { defaultDbPath, exportChunks, exportLines, openDb } from "@/lib/db";
import { linesFor } from "@/lib/export-worker/lines";

export const EXPORT_USAGE = `usage: hintlab export --format ${FORMATS.join("|")} [filters] [options]

filters (as in the trace list):
  --verdict correct|incorrect|ungraded   --review unreviewed|accepted|rejected|needs-work
  --model NAME  --hint ID  --dataset NAME  --tag TAG  --status STATUS  --q TEXT (full-text search)
  --queue ID         accepted in this annotation queue, exported as the queue's final version
                     (adjudicated where its annotators disagreed)
options:
  --edited 1|0       apply the annotators' edits (default 1 for openai/sharegpt/trl, 0 for segments)
  --context N        edits format: characters of context on each side (default 200)
  --system TEXT      openai/sharegpt: a system message
  --out FILE         write there (atomically) instead of stdout
  --db FILE          database (default HINTLAB_DB, else ./data/hintlab.db)
Streams JSONL, oldest trace first; the same selection gives the same bytes. lib/export/README.md
describes each format.`;

const FILTERS = ["verdict", "review", "model", "hint", "dataset", "tag", "status", "q", "queue", "format", "edited", "context", "system"] as const;

export async function runExport(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        ...Object.fromEntries(FILTERS.map((f) => [f, { type: "string" as const }])),
        out: { type: "string" },
        db: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (e) {
    return usage((e as Error).message);
  }
  if (values.help) {
    process.stdout.write(EXPORT_USAGE + "\n");
    return 0;
  }
  const query = ExportQuerySchema.safeParse(Object.fromEntries(FILTERS.filter((f) => values[f] !== undefined).map((f) => [f, values[f]])));
  if (!query.success) return usage(describeZodError(query.error));
  const { filters, format, opts } = splitExportQuery(query.data);
  const db = openDb(typeof values.db === "string" ? values.db : defaultDbPath());
  const out = typeof values.out === "string" ? values.out : undefined;
  const tmp = out ? `${out}.${process.pid}.tmp` : undefined;
  try {
    const sink: Writable = tmp ? createWriteStream(tmp) : process.stdout;
    let lines = 0;
    const toLines = linesFor(db, { format, opts, ...(filters.queue ? { queue: filters.queue } : {}) });
    const counted = (function* () {
      for (const line of exportLines(db, filters, toLines)) {
        lines++;
        yield line;
      }
    })();
    // The route's chunking: ~1 MB Buffers, each line encoded into its chunk.
    for (const chunk of exportChunks(counted)) if (!sink.write(chunk)) await once(sink, "drain");
    if (tmp) {
      sink.end();
      await once(sink, "finish");
      renameSync(tmp, out!);
    }
    process.stderr.write(`exported ${lines} ${format} line${lines === 1 ? "" : "s"}${out ? ` to ${out}` : ""}\n`);
    return 0;
  } catch (e) {
    if (tmp) rmSync(tmp, { force: true });
    throw e;
  } finally {
    db.close();
  }
}

function usage(message: string): number {
  process.stderr.write(`hintlab export: ${message}\n${EXPORT_USAGE}\n`);
  return 2;
}
