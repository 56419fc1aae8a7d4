import { parseArgs } from "node:util";
import { BUILTIN_HINTS } from "@/hints";
import { dbLabel, dbLocation, defaultDbPath, openDb, readUserHints, TraceStore } from "@/lib/db";
import { buildSweepView, createSweep, runSweep, SweepStore, type CreateSweepArgs } from "@/lib/experiments";
import { type SweepArm, type SweepSpecInput } from "@/lib/protocol";
import { int, modelFlags, num, retryFlags, templateFlag, UsageError } from "./flags";
import { formatSweepGrid } from "./sweep-grid";

export const SWEEP_USAGE = `usage: hintlab sweep --trace ID (--at SEGMENT:OFFSET | --pause N) --hints ID,ID,none --samples K [options]
       hintlab sweep --trace ID --positions triggers|sentences:K --hint ID|none --samples K [options]
       hintlab sweep --resume SWEEP_ID [--db FILE]

  --trace ID                the stored trace to sweep from (its problem is what samples are graded on)
  --at SEGMENT:OFFSET       the point: OFFSET characters into segment SEGMENT (0 is the prompt)
  --pause N                 the point: the trace's N-th pause (0-based)
  --hints LIST              arms: Hint-Library ids and/or none (the model goes on as it would)
  --positions WHERE         a position sweep: every trigger occurrence, or every K-th sentence
  --hint ID|none            the one arm of a position sweep
  --samples K               samples per arm and position (1–256, default 8); sample k uses seed S+k
  --temperature T  --seed S (default 0)  --max-tokens N (per sample, after the point)
  --concurrency C           samples at once (1–64, default 8; the local model runs one at a time)
  --name NAME
  --base-url URL --model NAME [--template qwq|qwen3|deepseek-r1|raw]
  [--provider openai-completions|openai-chat|ollama|lmstudio] [--chat]
                            default: the model the trace was made with; repeat --base-url (URL or
                            URL@N, N = cap on requests in flight) for several servers of that model
  --retries N  --retry-delays-ms LIST   model-server failures (default 3 tries, 1000,4000,16000)
  --json                    print the whole sweep (SweepView) as JSON instead of the grid
  --db FILE                 SQLite database (default HINTLAB_DB or ./data/hintlab.db; the UI reads it)
Progress goes to stderr; the outcome grid and the sweep id to stdout.
Ctrl-C cancels: in-flight samples are aborted, finished ones kept (resume with --resume ID).`;


function arm(raw: string, flag: string): SweepArm {
  const id = raw.trim();
  if (id === "none") return { kind: "none" };
  if (!/^[a-z0-9][a-z0-9-]*$/.test(id)) throw new UsageError(`${flag}: "${id}" is not a Hint-Library id (lower-case letters, digits and dashes) or none`);
  return { kind: "hint", hintId: id };
}

export type SweepCliArgs =
  | { help: true }
  | { help: false; mode: "resume"; resume: string; db: string; json: boolean }
  | { help: false; mode: "new"; db: string; json: boolean; create: CreateSweepArgs };

export function parseSweepArgs(argv: string[]): SweepCliArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        trace: { type: "string" },
        at: { type: "string" },
        pause: { type: "string" },
        hints: { type: "string" },
        positions: { type: "string" },
        hint: { type: "string" },
        samples: { type: "string" },
        temperature: { type: "string" },
        seed: { type: "string" },
        "max-tokens": { type: "string" },
        concurrency: { type: "string" },
        name: { type: "string" },
        "base-url": { type: "string", multiple: true },
        model: { type: "string" },
        template: { type: "string" },
        chat: { type: "boolean" },
        provider: { type: "string" },
        retries: { type: "string" },
        "retry-delays-ms": { type: "string" },
        resume: { type: "string" },
        json: { type: "boolean" },
        db: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) return { help: true };
  const db = dbLocation(values.db);
  const json = values.json ?? false;
  if (values.resume) {
    const extra = ["trace", "at", "pause", "hints", "positions", "hint", "samples"].filter((k) => values[k as keyof typeof values] !== undefined);
    if (extra.length) throw new UsageError(`--resume continues a stored sweep as it was planned; drop --${extra.join(", --")}`);
    return { help: false, mode: "resume", resume: values.resume, db, json };
  }
  if (!values.trace) throw new UsageError("--trace ID is required (the stored trace to sweep from), or --resume SWEEP_ID");
  const samples = num("samples", values.samples, (n) => int(n) && n >= 1 && n <= 256, "an integer from 1 to 256") ?? 8;
  const seed = num("seed", values.seed, int, "an integer") ?? 0;
  const temperature = num("temperature", values.temperature, (n) => n >= 0 && n <= 2, "from 0 to 2");
  const common = { traceId: values.trace, samples, seed, ...(temperature !== undefined ? { temperature } : {}) };

  let spec: SweepSpecInput;
  if (values.positions !== undefined) {
    if (values.hints !== undefined) throw new UsageError("--positions sweeps one arm over many points: use --hint ID|none, not --hints");
    if (values.at !== undefined || values.pause !== undefined) throw new UsageError("--positions chooses the points itself: drop --at/--pause");
    if (values.hint === undefined) throw new UsageError("--positions needs --hint ID|none (the one arm injected at every position)");
    const where = values.positions.trim();
    const sentences = /^sentences:(\d+)$/.exec(where);
    if (where !== "triggers" && !sentences) throw new UsageError(`--positions must be triggers or sentences:K (got "${values.positions}")`);
    const k = sentences ? Number(sentences[1]) : 0;
    if (sentences && (k < 1 || k > 10_000)) throw new UsageError(`--positions sentences:K needs K from 1 to 10000 (got ${k})`);
    spec = { type: "positions", ...common, positions: sentences ? { sentences: k } : "triggers", arm: arm(values.hint, "--hint") };
  } else {
    if (values.hint !== undefined) throw new UsageError("--hint is for --positions; a sweep at one point takes --hints ID,ID,none");
    if (values.hints === undefined) throw new UsageError("--hints ID,ID,none is required (or --positions triggers|sentences:K --hint ID)");
    if ((values.at === undefined) === (values.pause === undefined)) throw new UsageError("give the point as exactly one of --at SEGMENT:OFFSET or --pause N");
    let at: { segment: number; offset: number } | { pause: number };
    if (values.at !== undefined) {
      const m = /^(\d+):(\d+)$/.exec(values.at.trim());
      if (!m) throw new UsageError(`--at must be SEGMENT:OFFSET, two integers ≥ 0 like 1:250 (got "${values.at}")`);
      at = { segment: Number(m[1]), offset: Number(m[2]) };
    } else {
      at = { pause: num("pause", values.pause, (n) => int(n) && n >= 0, "an integer ≥ 0 (the 0-based pause)")! };
    }
    const arms = values.hints.split(",").filter((s) => s.trim()).map((s) => arm(s, "--hints"));
    if (arms.length === 0) throw new UsageError("--hints lists no arm: give Hint-Library ids and/or none");
    spec = { type: "hints", ...common, at, arms };
  }

  const template = templateFlag(values.template);
  if (values["base-url"] !== undefined && values.model === undefined) throw new UsageError("--base-url needs --model NAME too");
  const model = modelFlags(values, template);
  const { tries, delays } = retryFlags(values);
  const concurrency = num("concurrency", values.concurrency, (n) => int(n) && n >= 1 && n <= 64, "an integer from 1 to 64");
  const maxTokens = num("max-tokens", values["max-tokens"], (n) => int(n) && n > 0, "a positive integer");
  return {
    help: false,
    mode: "new",
    db,
    json,
    create: {
      spec,
      ...(values.name ? { name: values.name } : {}),
      ...(Object.keys(model).length ? { model } : {}),
      ...(concurrency !== undefined ? { concurrency } : {}),
      ...(maxTokens !== undefined ? { maxTokens } : {}),
      ...(tries !== undefined || delays ? { retry: { tries: tries ?? 3, delaysMs: delays ?? [1000, 4000, 16000] } } : {}),
      trustBaseUrl: true,
    },
  };
}

export async function runSweepCli(argv: string[]): Promise<number> {
  let args: SweepCliArgs;
  try {
    args = parseSweepArgs(argv);
  } catch (e) {
    process.stderr.write(`hintlab sweep: ${(e as Error).message}\n\n${SWEEP_USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(SWEEP_USAGE + "\n");
    return 0;
  }
  const db = openDb(args.db);
  try {
    const store = new SweepStore(db);
    const traces = new TraceStore(db);
    let id: string;
    if (args.mode === "resume") {
      id = args.resume;
      let status;
      try {
        status = store.get(id).status;
      } catch {
        process.stderr.write(`hintlab sweep: no sweep ${id} in ${dbLabel(args.db)}\n`);
        return 2;
      }
      if (status === "running") {
        process.stderr.write(`hintlab sweep: sweep ${id} is running in another process\n`);
        return 2;
      }
    } else {
      try {
        id = createSweep(store, (t) => traces.get(t), args.create, [...BUILTIN_HINTS, ...(await readUserHints())]);
      } catch (e) {
        process.stderr.write(`hintlab sweep: ${(e as Error).message}\n`);
        return 2;
      }
    }
    process.stderr.write(`[hintlab] sweep ${id}\n`);
    const controller = new AbortController();
    const onSigint = () => {
      process.stderr.write("\n[hintlab] cancelling: in-flight samples are aborted, finished ones kept\n");
      controller.abort();
    };
    process.once("SIGINT", onSigint);
    const tty = process.stderr.isTTY === true;
    let last = 0;
    try {
      const final = await runSweep({
        store,
        traces,
        sweepId: id,
        signal: controller.signal,
        onProgress: (p) => {
          const t = Date.now();
          if (t - last < 1000) return;
          last = t;
          const line = `[hintlab] ${p.done + p.failed}/${p.total} done=${p.done} failed=${p.failed} running=${p.running}`;
          process.stderr.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
        },
      });
      const view = buildSweepView(store, id);
      process.stderr.write(`${tty ? "\r\x1b[2K" : ""}[hintlab] ${final.status}: ${view.progress.done + view.progress.failed}/${view.progress.total} done=${view.progress.done} failed=${view.progress.failed}\n`);
      process.stdout.write((args.json ? JSON.stringify(view, null, 2) : formatSweepGrid(view)) + "\n");
      if (final.status === "cancelled") process.stderr.write(`[hintlab] resume with: hintlab sweep --resume ${id}${args.db === defaultDbPath() ? "" : ` --db ${args.db}`}\n`);
      return final.status === "cancelled" ? 130 : view.progress.failed > 0 ? 1 : 0;
    } finally {
      process.off("SIGINT", onSigint);
    }
  } finally {
    db.close();
  }
}
