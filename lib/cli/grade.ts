import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { createMathGrader, defaultPerPairMs } from "@/lib/experiments";
import { GRADER_VERSION, gradeMathPairs, type MathGrade, type MathPair } from "@/lib/grading";
import { parseJsonWithNumberText } from "@/lib/protocol";

export const GRADE_USAGE = `usage: hintlab grade --gold G --pred P        prints true, false or "ungradable: REASON"
       hintlab grade --file PAIRS.jsonl          (FILE "-" reads stdin)

Math answer equivalence as evaluation harnesses judge it (grader ${GRADER_VERSION}). Each side may be a bare answer
("$\\frac{1}{2}$", "7,425,000") or a whole response / reference solution: the final answer is
extracted from both (last \\boxed{} with the boxes joined to it, else "the answer is ...", else,
for a response that finished its answer part, the last $...$ / \\(...\\) / \\[...\\] expression).
A response cut inside its thinking (an unclosed <think>, or "truncated": true) has no answer: false.
  --file FILE       JSONL lines {"gold": ..., "pred": ..., "truncated"?: bool (the generation hit its token
                    limit)}; writes one {"equivalent": bool} per line, in order;
                    a pair the grader cannot decide is {"equivalent": false, "ungradable": REASON}
  --per-pair-ms N   wall-clock limit of one pair's parsing and symbolic (sympy) comparison
                    (default 5000, or $HINTLAB_GRADE_PER_PAIR_MS); a pair over it is "ungradable: time limit"
                    and costs at most N ms + 0.25 s, the other pairs are not slowed
Pairs the fast layer cannot decide are checked with sympy in sandboxed Python processes (one per
core, at most 4, or $HINTLAB_GRADE_WORKERS), one pair at a time, each killed at its limit.
Reasons: "time limit"; "too complex" (over 200,000 characters or 100 levels of nesting); "grader error".
Exit status: 0 done, 2 bad usage, 3 some lines of FILE were not {gold, pred} (they print {"equivalent": false, "error": ...}).`;

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
  const perPairMs = values["per-pair-ms"] === undefined ? defaultPerPairMs() : Number(values["per-pair-ms"]);
  if (!Number.isFinite(perPairMs) || perPairMs <= 0) return usage(`--per-pair-ms must be a positive number (got "${values["per-pair-ms"]}")`);
  const file = typeof values.file === "string" ? values.file : undefined;
  const single = typeof values.gold === "string" && typeof values.pred === "string";
  if (file === undefined && !single) return usage("give --gold and --pred, or --file");
  if (file !== undefined && (values.gold !== undefined || values.pred !== undefined)) return usage("give either --file or --gold/--pred, not both");

  // Processes start only when a pair needs sympy.
  const grader = createMathGrader({ perPairMs });
  try {
    if (single) {
      const [g] = await gradeMathPairs([{ gold: values.gold as string, pred: values.pred as string }], grader);
      await new Promise<void>((resolve) => process.stdout.write(`${g!.ungradable ? `ungradable: ${g!.ungradable}` : g!.equivalent}\n`, () => resolve()));
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
    const pairs: MathPair[] = [];
    const errors = new Map<number, string>();
    lines.forEach((line, k) => {
      try {
        // A number is graded as written (12345678901234567891 is not the double 12345678901234567000).
        const { value, numberText } = parseJsonWithNumberText(line);
        const v = value as { gold?: unknown; pred?: unknown; truncated?: unknown };
        const gold = typeof v.gold === "number" ? numberText(v, "gold") : v.gold;
        const pred = typeof v.pred === "number" ? numberText(v, "pred") : v.pred;
        if (typeof gold !== "string" || typeof pred !== "string") throw new Error('expected {"gold": string, "pred": string}');
        if (v.truncated !== undefined && typeof v.truncated !== "boolean") throw new Error('"truncated" must be true or false');
        pairs.push(v.truncated === true ? { gold, pred, truncated: true } : { gold, pred });
      } catch (e) {
        errors.set(k, (e as Error).message);
        pairs.push({ gold: "", pred: "" });
      }
    });
    const verdicts = await gradeMathPairs(pairs, grader);
    const out = verdicts.map((v, k) => JSON.stringify(errors.has(k) ? { equivalent: false, error: `line ${k + 1}: ${errors.get(k)}` } : v));
    // main() calls process.exit() next: wait until a piped stdout has taken all the lines.
    await new Promise<void>((resolve) => process.stdout.write(out.join("\n") + (out.length ? "\n" : ""), () => resolve()));
    if (errors.size > 0) process.stderr.write(`hintlab grade: ${errors.size} line(s) were not {gold, pred}\n`);
    const ungradable = summarizeUngradable(verdicts.filter((_, k) => !errors.has(k)));
    if (ungradable) process.stderr.write(`hintlab grade: ${ungradable}\n`);
    return errors.size > 0 ? 3 : 0;
  } finally {
    await grader.dispose();
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

/** "3 pair(s) ungradable (time limit 2, too complex 1)", or "" when none were. */
function summarizeUngradable(verdicts: MathGrade[]): string {
  const by = new Map<string, number>();
  for (const v of verdicts) if (v.ungradable) by.set(v.ungradable, (by.get(v.ungradable) ?? 0) + 1);
  const total = [...by.values()].reduce((a, b) => a + b, 0);
  return total ? `${total} pair(s) ungradable (${[...by].map(([r, n]) => `${r} ${n}`).join(", ")})` : "";
}
