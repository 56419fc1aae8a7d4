import { parseArgs } from "node:util";
import { dbLocation, openDb, TraceStore } from "@/lib/db";
import { computeResults, ExperimentStore } from "@/lib/experiments";
import { regradeWithOwnGraders } from "@/lib/experiments/regrade";
import { gradingOf } from "@/lib/experiments/verdicts";

export const REGRADE_USAGE = `usage: hintlab regrade --experiment ID [--force] [--db FILE|URL]

Grades the finished items of a stopped experiment again with this installation's grader (its
version: GRADER_VERSION in lib/grading/version.ts): each answer is extracted afresh from the
stored trace, then graded in full (sympy, code tests with the experiment's limits). Items the
current grader already graded are skipped unless --force. The earlier verdicts are kept, one
per grader version; the experiment's page shows pass@1 under each.

  --experiment ID   the experiment to regrade
  --force           regrade items the current grader already graded, too
  --db FILE|URL     SQLite file or postgres:// URL (default HINTLAB_DATABASE_URL, else HINTLAB_DB,
                    else ./data/hintlab.db)
Prints {experimentId, regrade: {total, done, changed, skipped}, grading, results} as JSON.
Exits 2 on bad input or while the experiment runs.`;

export async function runRegrade(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, strict: true, options: { experiment: { type: "string" }, force: { type: "boolean" }, db: { type: "string" }, help: { type: "boolean", short: "h" } } }));
  } catch (e) {
    process.stderr.write(`hintlab regrade: ${(e as Error).message}\n\n${REGRADE_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(REGRADE_USAGE + "\n");
    return 0;
  }
  if (!values.experiment) {
    process.stderr.write(`hintlab regrade: --experiment ID is required\n\n${REGRADE_USAGE}\n`);
    return 2;
  }
  const db = openDb(dbLocation(values.db));
  const store = new ExperimentStore(db);
  const id = values.experiment;
  const exp = store.findExperiment(id);
  if (!exp) {
    process.stderr.write(`hintlab regrade: no experiment ${id} in ${db.name}\n`);
    db.close();
    return 2;
  }
  if (exp.status === "running") {
    process.stderr.write(`hintlab regrade: experiment ${id} is running; regrade it once it stopped (cancel it on its page, or wait)\n`);
    db.close();
    return 2;
  }
  try {
    let shown = -1;
    const progress = await regradeWithOwnGraders({
      store,
      traces: new TraceStore(db),
      experimentId: id,
      force: values.force === true,
      onProgress: (p) => {
        const pct = Math.floor((100 * p.done) / Math.max(1, p.total));
        if (pct === shown) return;
        shown = pct;
        process.stderr.write(`\r[hintlab] regrading ${p.done}/${p.total} · ${p.changed} changed · ${p.skipped} already current`);
      },
    });
    process.stderr.write("\n");
    const items = store.items(id);
    const policies = store.getExperiment(id).policies;
    process.stdout.write(JSON.stringify({ experimentId: id, regrade: progress, grading: gradingOf(db, id, items, policies), results: computeResults(items, policies) }, null, 2) + "\n");
    return 0;
  } finally {
    db.close();
  }
}
