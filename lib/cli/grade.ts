import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { parseJsonWithNumberText } from "@/lib/protocol";
import { gradeMathPairs, type ExecuteFn } from "@/lib/grading";
import { NodeSandbox } from "@/lib/sandbox/node";

export const GRADE_USAGE = `usage: hintlab grade --gold G --pred P        prints true or false
       hintlab grade --file PAIRS.jsonl          (FILE "-" reads stdin)

Math answer equivalence as evaluation harnesses judge it. Each side may be a bare answer
("$\\frac{1}{2}$", "7,425,000") or a whole response / reference solution: the final answer is
extracted from both (last \\boxed{}, else "the answer is ...").
  --file FILE       JSONL lines {"gold": ..., "pred": ...}; writes one {"equivalent": bool} per line, in order
  --per-pair-ms N   time limit of one symbolic (sympy) check (default 5000)
Pairs the fast layer cannot decide are checked with sympy in one sandboxed Python process.
Exit status: 0 done, 2 bad usage, 3 some lines of FILE were not {gold, pred} (they print {"equivalent": false, "error": ...}).`;

/**
 * `execute` functions backed by Pyodide sandboxes that start only when a symbolic check needs
 * them: one per core (at most 4), since sympy work is CPU-bound and each process is single-threaded.
 */
function lazySandboxes(count: number): { executors: ExecuteFn[]; dispose: () => Promise<void> } {
  const sandboxes: (NodeSandbox | undefined)[] = new Array(count).fill(undefined);
  return {
    executors: sandboxes.map((_, k) => (code, options) => {
      // Never reset (the jobs are the grader's own code), so no spare process is needed.
      const sandbox = (sandboxes[k] ??= new NodeSandbox({ warmSpare: false }));
      return sandbox.execute(code, options);
    }),
    dispose: async () => {
      await Promise.all(sandboxes.map((s) => s?.dispose()));
    },
  };
}

export async function runGrade(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        gold: { type: "string" },
        pred: { type: "string" },
        file: { type: "string" },
        "per-pair-ms": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (e) {
    return usage((e as Error).message);
  }
  if (values.help) {
    process.stdout.write(GRADE_USAGE + "\n");
    return 0;
  }
  const perJobMs = values["per-pair-ms"] === undefined ? 5000 : Number(values["per-pair-ms"]);
  if (!Number.isFinite(perJobMs) || perJobMs <= 0) return usage(`--per-pair-ms must be a positive number (got "${values["per-pair-ms"]}")`);
  const file = typeof values.file === "string" ? values.file : undefined;
  const single = typeof values.gold === "string" && typeof values.pred === "string";
  if (file === undefined && !single) return usage("give --gold and --pred, or --file");
  if (file !== undefined && (values.gold !== undefined || values.pred !== undefined)) return usage("give either --file or --gold/--pred, not both");

  const workers = Number(process.env.HINTLAB_GRADE_WORKERS) || Math.min(4, availableParallelism());
  const sandbox = lazySandboxes(Math.max(1, workers));
  try {
    if (single) {
      const [verdict] = await gradeMathPairs([{ gold: values.gold as string, pred: values.pred as string }], sandbox.executors, { perJobMs });
      await new Promise<void>((resolve) => process.stdout.write(`${verdict}\n`, () => resolve()));
      return 0;
    }
    let text: string;
    try {
      text = readFileSync(file === "-" ? 0 : file!, "utf8");
    } catch (e) {
      return fail(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const lines = text.split("\n");
    if (lines.at(-1) === "") lines.pop();
    const pairs: { gold: string; pred: string }[] = [];
    const errors = new Map<number, string>();
    lines.forEach((line, k) => {
      try {
        // A number is graded as written (12345678901234567891 is not the double 12345678901234567000).
        const { value, numberText } = parseJsonWithNumberText(line);
        const v = value as { gold?: unknown; pred?: unknown };
        const gold = typeof v.gold === "number" ? numberText(v, "gold") : v.gold;
        const pred = typeof v.pred === "number" ? numberText(v, "pred") : v.pred;
        if (typeof gold !== "string" || typeof pred !== "string") throw new Error('expected {"gold": string, "pred": string}');
        pairs.push({ gold, pred });
      } catch (e) {
        errors.set(k, (e as Error).message);
        pairs.push({ gold: "", pred: "" });
      }
    });
    const verdicts = await gradeMathPairs(pairs, sandbox.executors, { perJobMs });
    const out = verdicts.map((v, k) => JSON.stringify(errors.has(k) ? { equivalent: false, error: `line ${k + 1}: ${errors.get(k)}` } : { equivalent: v }));
    // main() calls process.exit() next: wait until a piped stdout has taken all the lines.
    await new Promise<void>((resolve) => process.stdout.write(out.join("\n") + (out.length ? "\n" : ""), () => resolve()));
    if (errors.size > 0) process.stderr.write(`hintlab grade: ${errors.size} line(s) were not {gold, pred}\n`);
    return errors.size > 0 ? 3 : 0;
  } finally {
    await sandbox.dispose();
  }
}

function usage(message: string): number {
  process.stderr.write(`hintlab grade: ${message}\n${GRADE_USAGE}\n`);
  return 2;
}

function fail(message: string): number {
  process.stderr.write(`hintlab grade: ${message}\n`);
  return 1;
}
