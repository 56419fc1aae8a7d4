import { parseArgs } from "node:util";
import { dbLocation, openDb, TraceStore } from "@/lib/db";
import { ExperimentStore, runExperiment } from "@/lib/experiments";
import { progressPrinter } from "./run";

export const WORKER_USAGE = `usage: hintlab worker --experiment ID [--concurrency C] [--db FILE]

Runs items of an existing experiment together with any number of other workers sharing the
same database (this machine or others): each claims pending items for itself, and the items of a
worker that dies are taken over by the others (at once on this machine; after 15 s of silence
from another). A cancelled or interrupted experiment is resumed; a cancel on the experiment's
page stops every worker. Create the experiment first (the Experiments page, or \`hintlab run\` and Ctrl-C).
The model connection is the experiment's own (its API key from this machine's environment).

  --experiment ID   the experiment to work on
  --concurrency C   sessions this worker runs at once (default: the experiment's concurrency)
  --db FILE|URL     SQLite file or postgres:// URL (default HINTLAB_DATABASE_URL, else HINTLAB_DB,
                    else ./data/hintlab.db); workers on several machines need PostgreSQL
Exits 0 when no item of the experiment is left anywhere, 130 after Ctrl-C (its in-flight items go
back to pending), 1 when items failed.`;

export async function runWorker(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: { experiment: { type: "string" }, concurrency: { type: "string" }, db: { type: "string" }, help: { type: "boolean", short: "h" } },
    }));
  } catch (e) {
    process.stderr.write(`hintlab worker: ${(e as Error).message}\n\n${WORKER_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(WORKER_USAGE + "\n");
    return 0;
  }
  if (!values.experiment) {
    process.stderr.write(`hintlab worker: --experiment ID is required\n\n${WORKER_USAGE}\n`);
    return 2;
  }
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 1024)) {
    process.stderr.write(`hintlab worker: --concurrency must be an integer from 1 to 1024 (got "${values.concurrency}")\n`);
    return 2;
  }
  const db = openDb(dbLocation(values.db));
  const store = new ExperimentStore(db);
  const id = values.experiment;
  const exp = store.findExperiment(id);
  if (!exp) {
    process.stderr.write(`hintlab worker: no experiment ${id} in ${db.name}\n`);
    db.close();
    return 2;
  }
  if (exp.status === "finished") {
    process.stderr.write(`hintlab worker: experiment ${id} is finished; nothing to work on\n`);
    db.close();
    return 0;
  }
  const controller = new AbortController();
  const onSigint = () => {
    process.stderr.write("\n[hintlab] worker stopping: its in-flight items go back to pending\n");
    controller.abort();
  };
  process.once("SIGINT", onSigint);
  process.once("SIGTERM", onSigint);
  const printer = progressPrinter();
  try {
    process.stderr.write(`[hintlab] worker on experiment ${id} (${db.name})\n`);
    const final = await runExperiment({
      store,
      traces: new TraceStore(db),
      experimentId: id,
      signal: controller.signal,
      worker: true,
      ...(concurrency !== undefined ? { concurrency } : {}),
      onProgress: (s) => printer.update(s),
    });
    printer.end(final);
    process.stdout.write(JSON.stringify({ experimentId: id, status: final.status, progress: final.progress, workers: final.workers ?? [] }, null, 2) + "\n");
    return controller.signal.aborted ? 130 : final.progress.failed > 0 ? 1 : 0;
  } finally {
    process.off("SIGINT", onSigint);
    process.off("SIGTERM", onSigint);
    db.close();
  }
}
