import { createReadStream, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { AppError } from "@/lib/protocol";
import { DEFAULT_IMPORT_MAX_LINE_BYTES, dbLabel, dbLocation, defaultDbPath, importMaxBytes, openDb, TraceStore } from "@/lib/db";
import { formatBytes } from "@/lib/import";
import { computeResults, describeDataset, ExperimentStore, parseDatasetStream, parsePolicyList, resolveDatasetRef, runExperiment } from "@/lib/experiments";
import { type ExperimentSpecInput, type ExperimentSummary } from "@/lib/protocol";
import { int, modelFlags, num, retryFlags, templateFlag, UsageError } from "./flags";

export const RUN_USAGE = `usage: hintlab run --dataset FILE|NAME --policies LIST [options]
       hintlab run --resume EXPERIMENT_ID [--db FILE] [--concurrency C]

  --dataset FILE|NAME       a JSONL problem set (MATH/AIME/AMC: problem|question|prompt + answer|gold|gt;
                            LiveCodeBench: problem|question_content, starter_code, tests|public_test_cases),
                            or a dataset already in the database: its name ("AIME 2024"), id, or the key
                            of a bundled one (aime24, amc23, math-sample, livecodebench-sample;
                            \`hintlab datasets list\` shows them). A file of that name wins.
  --dataset-name NAME       name of the dataset in the database when --dataset is a file (default: the file name)
  --limit N                 run only the first N problems of the dataset
  --policies LIST           comma-separated: greedy, paper[:rounds=R][:p=P][:hint=ID],
                            budget:min=N,max=M[,word=W] (s1 budget forcing, in thinking tokens); alias --policy
                            e.g. greedy,paper:rounds=2,paper:rounds=1:p=0.5,paper:rounds=1:hint=math-general
  --samples K               samples per problem and policy (default 1)
  --concurrency C           concurrent sessions against the model server (default 8)
  --base-url URL --model NAME [--template qwq|qwen3|deepseek-r1|raw]
  [--provider openai-completions|openai-chat|ollama|lmstudio] [--chat]
                            --base-url again (or URL,URL) for more servers of the same model: each
                            request goes to the one with the fewest in flight, a failing one is taken
                            out until its health check (GET URL/models) passes; URL@N caps a server
                            at N requests in flight, e.g. --base-url http://a/v1 --base-url http://b/v1@8
  --name NAME               experiment name
  --max-tokens N            completion budget per trace (default 16384)
  --temperature T  --top-p P  --seed S
  --max-tool-calls N  --tool-timeout-ms MS  --triggers Wait,Alternatively
  --logprobs N              store each token's probability and its N (0–5) likeliest alternatives (default: off)
  --retries N               tries per item on model-server failures (default 3)
  --retry-delays-ms LIST    waits between tries (default 1000,4000,16000)
  --resume ID               continue an experiment: finished items are kept, the rest run
  --db FILE                 SQLite database (default HINTLAB_DB or ./data/hintlab.db; the UI reads it)
Progress goes to stderr; the experiment id and a results summary go to stdout as JSON.
Ctrl-C cancels: in-flight items are aborted, finished ones are kept (resume with --resume ID).`;

export const DATASETS_USAGE = `usage: hintlab datasets import FILE [--name NAME] [--mode valid|all-or-nothing] [--db FILE] [--max-bytes N]
       hintlab datasets list [--db FILE]

  --max-bytes N   refuse a larger FILE (default HINTLAB_IMPORT_MAX_BYTES or 100 MB); FILE "-" reads stdin`;

function fmtDuration(sec: number | null): string {
  if (sec === null || !Number.isFinite(sec)) return "?";
  const s = Math.round(sec);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

function progressLine(s: ExperimentSummary): string {
  const p = s.progress;
  return `${p.done + p.failed}/${p.total} done=${p.done} failed=${p.failed} running=${p.running} ${p.tokensPerSec === null ? "" : `${Math.round(p.tokensPerSec)} tok/s `}ETA ${fmtDuration(p.etaSec)}`;
}

/** At most one line a second (redrawn in place on a terminal), and the last state at the end. */
export function progressPrinter() {
  const tty = process.stderr.isTTY === true;
  let last = 0;
  return {
    update(s: ExperimentSummary) {
      const t = Date.now();
      if (t - last < 1000) return;
      last = t;
      const line = `[hintlab] ${progressLine(s)}`;
      process.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
    },
    end(s: ExperimentSummary) {
      process.stderr.write(`${tty ? "\r\x1b[2K" : ""}[hintlab] ${s.status}: ${progressLine(s)}\n`);
    },
  };
}

export function parseRunArgs(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      dataset: { type: "string" },
      "dataset-name": { type: "string" },
      limit: { type: "string" },
      policies: { type: "string" },
      policy: { type: "string" },
      samples: { type: "string" },
      concurrency: { type: "string" },
      "base-url": { type: "string", multiple: true },
      model: { type: "string" },
      template: { type: "string" },
      chat: { type: "boolean" },
      provider: { type: "string" },
      name: { type: "string" },
      "max-tokens": { type: "string" },
      temperature: { type: "string" },
      "top-p": { type: "string" },
      seed: { type: "string" },
      "max-tool-calls": { type: "string" },
      "tool-timeout-ms": { type: "string" },
      triggers: { type: "string" },
      retries: { type: "string" },
      logprobs: { type: "string" },
      "retry-delays-ms": { type: "string" },
      resume: { type: "string" },
      db: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return { help: true as const };
  const concurrency = num("concurrency", values.concurrency, (n) => int(n) && n >= 1 && n <= 1024, "an integer from 1 to 1024");
  const db = dbLocation(values.db);
  const resume = values.resume;
  if (resume) return { help: false as const, mode: "resume" as const, resume, db, concurrency };
  if (!values.dataset) throw new UsageError("--dataset FILE or NAME is required (or --resume ID)");
  if (values.policies && values.policy) throw new UsageError("give --policies or --policy, not both");
  const list = values.policies ?? values.policy;
  if (!list) throw new UsageError("--policies is required, e.g. greedy,paper:rounds=1,budget:min=1000,max=4000");
  let policies;
  try {
    policies = parsePolicyList(list);
  } catch (e) {
    throw new UsageError(`--policies: ${(e as Error).message}`);
  }
  const template = templateFlag(values.template);
  const dataset = datasetFlag(values.dataset, values["dataset-name"]);
  const { tries, delays } = retryFlags(values);
  const spec: Omit<ExperimentSpecInput, "datasetId"> = {
    ...(values.name ? { name: values.name } : {}),
    policies,
    samples: num("samples", values.samples, (n) => int(n) && n >= 1 && n <= 1000, "an integer from 1 to 1000") ?? 1,
    ...(values.limit !== undefined ? { problemLimit: num("limit", values.limit, (n) => int(n) && n >= 1, "a positive integer") } : {}),
    model: modelFlags(values, template),
    ...(concurrency !== undefined ? { concurrency } : {}),
    maxTokens: num("max-tokens", values["max-tokens"], (n) => int(n) && n > 0, "a positive integer") ?? 16384,
    ...(values.temperature !== undefined ? { temperature: num("temperature", values.temperature, (n) => n >= 0 && n <= 2, "from 0 to 2") } : {}),
    ...(values["top-p"] !== undefined ? { topP: num("top-p", values["top-p"], (n) => n > 0 && n <= 1, "in (0, 1]") } : {}),
    seed: num("seed", values.seed, int, "an integer") ?? 0,
    ...(values.triggers ? { triggers: values.triggers.split(",").map((t) => t.trim()).filter(Boolean) } : {}),
    maxToolCalls: num("max-tool-calls", values["max-tool-calls"], (n) => int(n) && n >= 0 && n <= 100, "an integer from 0 to 100") ?? 6,
    toolTimeoutMs: num("tool-timeout-ms", values["tool-timeout-ms"], (n) => int(n) && n > 0, "a positive integer") ?? 10_000,
    retry: { tries: tries ?? 3, delaysMs: delays ?? [1000, 4000, 16000] },
    ...(values.logprobs !== undefined ? { logprobs: num("logprobs", values.logprobs, (n) => int(n) && n >= 0 && n <= 5, "an integer from 0 to 5") } : {}),
  };
  return { help: false as const, mode: "new" as const, db, concurrency, dataset, spec };
}

/**
 * `--dataset`: a file to import when one exists at that path, else a reference to a stored
 * dataset (name, id or bundled key), resolved once the database is open. A path that exists but
 * cannot be read is an error about the file, not a lookup by name.
 */
function datasetFlag(value: string, name: string | undefined): { file: string; text: string; name: string } | { ref: string } {
  let size: number;
  try {
    size = statSync(value).size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") throw new UsageError(`cannot read --dataset ${value}: ${code ?? (e as Error).message}`);
    if (name !== undefined) throw new UsageError(`--dataset-name names an imported file, but there is no file ${value}`);
    return { ref: value };
  }
  if (size > importMaxBytes()) throw new UsageError(`--dataset ${value} is ${formatBytes(size)}, over the import limit of ${formatBytes(importMaxBytes())}; split it or raise HINTLAB_IMPORT_MAX_BYTES`);
  try {
    return { file: value, text: readFileSync(value, "utf8"), name: name ?? path.basename(value).replace(/\.jsonl$/, "") };
  } catch (e) {
    throw new UsageError(`cannot read --dataset ${value}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** The dataset a new run uses: the file imported (bad lines reported), or the stored one named. */
function datasetForRun(store: ExperimentStore, dataset: ReturnType<typeof datasetFlag>): { id: string } | { error: string } {
  if ("ref" in dataset) {
    try {
      return resolveDatasetRef(store, dataset.ref);
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      if (e.code !== "not-found") return { error: e.message };
      const stored = store.listDatasets().map(describeDataset);
      return { error: `--dataset ${dataset.ref} is neither a file nor a stored dataset; stored datasets: ${stored.join(", ") || "none"}` };
    }
  }
  const imported = store.importDataset(dataset.text, dataset.name);
  for (const e of imported.errors) process.stderr.write(`[hintlab] dataset line ${e.line}: ${e.reason}\n`);
  return imported.dataset ?? { error: "the dataset has no usable problems" };
}

export async function runRun(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parseRunArgs>;
  try {
    args = parseRunArgs(argv);
  } catch (e) {
    process.stderr.write(`hintlab run: ${(e as Error).message}\n\n${RUN_USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(RUN_USAGE + "\n");
    return 0;
  }
  const db = openDb(args.db);
  const store = new ExperimentStore(db);
  let experimentId: string;
  if (args.mode === "resume") {
    experimentId = args.resume;
    const exp = store.findExperiment(experimentId);
    if (!exp) {
      process.stderr.write(`hintlab run: no experiment ${experimentId} in ${dbLabel(args.db)}\n`);
      return 2;
    }
    if (exp.status === "running") {
      process.stderr.write(`hintlab run: experiment ${experimentId} is running in another process\n`);
      return 2;
    }
  } else {
    const dataset = datasetForRun(store, args.dataset);
    if ("error" in dataset) {
      process.stderr.write(`hintlab run: ${dataset.error}\n`);
      db.close();
      return 2;
    }
    try {
      experimentId = store.createExperiment({ ...args.spec, datasetId: dataset.id }).id;
    } catch (e) {
      process.stderr.write(`hintlab run: ${(e as Error).message}\n`);
      return 2;
    }
  }
  process.stderr.write(`[hintlab] experiment ${experimentId}\n`);
  const controller = new AbortController();
  const onSigint = () => {
    process.stderr.write("\n[hintlab] cancelling: in-flight items are aborted, finished ones kept\n");
    controller.abort();
  };
  process.once("SIGINT", onSigint);
  const printer = progressPrinter();
  try {
    const final = await runExperiment({
      store,
      traces: new TraceStore(db),
      experimentId,
      signal: controller.signal,
      ...(args.concurrency !== undefined ? { concurrency: args.concurrency } : {}),
      onProgress: (s) => printer.update(s),
    });
    printer.end(final);
    const results = computeResults(store.items(experimentId), final.policies);
    if (results.endpoints.length > 1) for (const e of results.endpoints) process.stderr.write(`[hintlab] ${e.endpoint}: ${e.done} done, ${e.failed} failed\n`);
    process.stdout.write(JSON.stringify({ experimentId, status: final.status, progress: final.progress, results }, null, 2) + "\n");
    if (final.status === "cancelled") process.stderr.write(`[hintlab] resume with: hintlab run --resume ${experimentId}${args.db === defaultDbPath() ? "" : ` --db ${args.db}`}\n`);
    return final.status === "cancelled" ? 130 : final.progress.failed > 0 ? 1 : 0;
  } finally {
    process.off("SIGINT", onSigint);
    db.close();
  }
}

export async function runDatasets(argv: string[]): Promise<number> {
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: { name: { type: "string" }, mode: { type: "string" }, db: { type: "string" }, "max-bytes": { type: "string" }, help: { type: "boolean", short: "h" } },
    }));
  } catch (e) {
    process.stderr.write(`hintlab datasets: ${(e as Error).message}\n${DATASETS_USAGE}\n`);
    return 2;
  }
  const [sub, file] = positionals;
  if (values.help || !sub) {
    process.stdout.write(DATASETS_USAGE + "\n");
    return values.help ? 0 : 2;
  }
  const maxBytes = values["max-bytes"] === undefined ? importMaxBytes() : Number(values["max-bytes"]);
  if (!Number.isInteger(maxBytes) || maxBytes <= 0) {
    process.stderr.write(`hintlab datasets: --max-bytes must be a positive integer (got "${values["max-bytes"]}")\n`);
    return 2;
  }
  if (sub === "import" && file && file !== "-") {
    let size: number;
    try {
      size = statSync(file).size;
    } catch (e) {
      process.stderr.write(`hintlab datasets: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      return 1;
    }
    if (size > maxBytes) {
      process.stderr.write(`hintlab datasets: ${file} is ${formatBytes(size)}, over the import limit of ${formatBytes(maxBytes)}; split it or pass --max-bytes (or set HINTLAB_IMPORT_MAX_BYTES)\n`);
      return 1;
    }
  }
  const db = openDb(dbLocation(values.db));
  try {
    const store = new ExperimentStore(db);
    if (sub === "list") {
      process.stdout.write(JSON.stringify(store.listDatasets(), null, 2) + "\n");
      return 0;
    }
    if (sub !== "import" || !file) {
      process.stderr.write(`hintlab datasets: expected "import FILE" or "list"\n${DATASETS_USAGE}\n`);
      return 2;
    }
    const mode = values.mode ?? "valid";
    if (mode !== "valid" && mode !== "all-or-nothing") {
      process.stderr.write(`hintlab datasets: --mode must be valid or all-or-nothing\n`);
      return 2;
    }
    const name = values.name ?? (file === "-" ? "dataset" : path.basename(file).replace(/\.jsonl$/, ""));
    let parsed;
    try {
      // Read line by line under the limit (stdin has no size to check first).
      parsed = await parseDatasetStream(file === "-" ? process.stdin : createReadStream(file), { maxBytes, maxLineBytes: DEFAULT_IMPORT_MAX_LINE_BYTES });
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      process.stderr.write(`hintlab datasets: ${e.message}${e.code === "payload-too-large" ? "; --max-bytes N raises it for one import" : ""}\n`);
      return 1;
    }
    const r = store.storeDataset(parsed, name, mode);
    for (const e of r.errors) process.stderr.write(`[hintlab] line ${e.line}: ${e.reason}\n`);
    process.stdout.write(JSON.stringify(r, null, 2) + "\n");
    return r.dataset ? 0 : 1;
  } finally {
    db.close();
  }
}
