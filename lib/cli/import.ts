import { createReadStream, statSync } from "node:fs";
import { parseArgs } from "node:util";
import { AppError, describeZodError } from "@/lib/protocol";
import { ImportQuerySchema, formatBytes } from "@/lib/import";
import { dbLabel, defaultDbPath, importMaxBytes, importTraces, openDb } from "@/lib/db";

export const IMPORT_USAGE = `usage: hintlab import FILE [options]      (FILE "-" reads stdin)

  --mode valid-lines|all-or-nothing   import the valid lines and report the rest (default), or nothing if any line fails
  --dataset NAME                      set the dataset of every imported trace
  --db FILE                           database (default HINTLAB_DB, else ./data/hintlab.db)
  --max-bytes N                       refuse larger files (default HINTLAB_IMPORT_MAX_BYTES or 100 MB)
Reads JSONL: hintlab "segments" records, {prompt, completion} / {question, solution} records,
OpenAI "messages" and ShareGPT "conversations". Prints the report as JSON on stdout.
Exit status: 0 every line imported, 3 some lines failed (the rest imported), 1 nothing imported.`;

export async function runImport(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: { mode: { type: "string" }, dataset: { type: "string" }, db: { type: "string" }, "max-bytes": { type: "string" }, help: { type: "boolean", short: "h" } },
    }));
  } catch (e) {
    return usage((e as Error).message);
  }
  if (values.help) {
    process.stdout.write(IMPORT_USAGE + "\n");
    return 0;
  }
  const file = positionals[0];
  if (!file || positionals.length > 1) return usage("give exactly one FILE to import");
  const query = ImportQuerySchema.safeParse({ mode: values.mode, dataset: values.dataset });
  if (!query.success) return usage(describeZodError(query.error));
  const maxBytes = values["max-bytes"] === undefined ? importMaxBytes() : Number(values["max-bytes"]);
  if (!Number.isInteger(maxBytes) || maxBytes <= 0) return usage(`--max-bytes must be a positive integer (got "${values["max-bytes"]}")`);
  if (file !== "-") {
    let size: number;
    try {
      size = statSync(file).size;
    } catch (e) {
      return fail(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (size > maxBytes) return fail(`${file} is ${formatBytes(size)}, over the import limit of ${formatBytes(maxBytes)}; split it or pass --max-bytes`);
  }
  const dbFile = typeof values.db === "string" ? values.db : defaultDbPath();
  const db = openDb(dbFile);
  try {
    const source = file === "-" ? process.stdin : createReadStream(file);
    const report = await importTraces(db, source, { ...query.data, maxBytes });
    process.stdout.write(JSON.stringify(report, null, 2) + "\n");
    process.stderr.write(`imported ${report.imported} of ${report.lines} lines into ${dbLabel(dbFile)}${report.committed ? "" : " (nothing was written)"}\n`);
    for (const e of report.errors.slice(0, 20)) process.stderr.write(`  line ${e.line}: ${e.error}\n`);
    if (report.failed > 20) process.stderr.write(`  … and ${report.failed - 20} more failed lines (see the report)\n`);
    if (!report.committed) return 1;
    return report.failed > 0 ? 3 : 0;
  } catch (e) {
    if (e instanceof AppError) return fail(e.message);
    throw e;
  } finally {
    db.close();
  }
}

function usage(message: string): number {
  process.stderr.write(`hintlab import: ${message}\n${IMPORT_USAGE}\n`);
  return 2;
}

function fail(message: string): number {
  process.stderr.write(`hintlab import: ${message}\n`);
  return 1;
}
