// See grading-agreement.mjs for what this measures and how to run it.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { GRADER_VERSION, gradeMathPairs, SymbolicGrader, type MathPair } from "@/lib/grading";
import { NodeSandbox } from "@/lib/sandbox/node";
import { realResponses, type LabelledResponse } from "@/lib/grading/__fixtures__/real-responses";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// grading-cases.jsonl was written with the grader; grading-cases-batch2.jsonl afterwards, blind
// (its first-run score is in the note of issue 15).
const DATA = path.join(ROOT, "bench/data");
const cases = fs
  .readdirSync(DATA)
  .filter((f) => /^grading-cases.*\.jsonl$/.test(f))
  .sort()
  .flatMap((f) =>
    fs
      .readFileSync(path.join(DATA, f), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => ({ ...(JSON.parse(l) as LabelledResponse), file: f })),
  );
const real = realResponses(ROOT);

const sandbox = new NodeSandbox();
await sandbox.ready;
const execute = (code: string, options: { timeoutMs: number; maxOutputChars: number }) => sandbox.execute(code, options);
const grader = new SymbolicGrader(execute);
type Grade = (pairs: MathPair[]) => Promise<boolean[]>;
const grade: Grade = async (pairs) => (await gradeMathPairs(pairs, grader)).map((v) => v.equivalent);
const toPairs = (rows: LabelledResponse[]): MathPair[] => rows.map((r) => ({ gold: r.gold, pred: r.response, ...(r.truncated ? { truncated: true } : {}) }));

function report(name: string, rows: LabelledResponse[], verdicts: boolean[]): void {
  const by = new Map<string, { right: number; total: number }>();
  const wrong: string[] = [];
  rows.forEach((r, k) => {
    const c = by.get(r.class) ?? { right: 0, total: 0 };
    c.total++;
    if (verdicts[k] === r.expected) c.right++;
    else wrong.push(`  disagrees [${r.class}] expected ${r.expected}: gold ${JSON.stringify(r.gold)} response ${JSON.stringify(r.response.slice(-160))}`);
    by.set(r.class, c);
  });
  const right = [...by.values()].reduce((a, c) => a + c.right, 0);
  console.log(`${name}: ${right}/${rows.length} agree (${((100 * right) / rows.length).toFixed(1)}%)`);
  for (const [cls, c] of by) console.log(`  ${cls.padEnd(42)} ${String(c.right).padStart(4)}/${String(c.total).padEnd(4)} ${((100 * c.right) / c.total).toFixed(1)}%`);
  if (process.env.VERBOSE || wrong.length <= 30) for (const w of wrong) console.log(w);
}

const t0 = performance.now();
const own = await grade(toPairs(cases));
const realVerdicts = await grade(toPairs(real));
const ms = performance.now() - t0;
console.log(`grader ${GRADER_VERSION}; ${cases.length + real.length} pairs graded in ${(ms / 1000).toFixed(1)} s`);
report("own labelled cases (bench/data/grading-cases*.jsonl)", cases, own);
for (const f of [...new Set(cases.map((c) => c.file))]) {
  const rows = cases.filter((c) => c.file === f);
  const right = rows.filter((r) => own[cases.indexOf(r)] === r.expected).length;
  console.log(`  ${f}: ${right}/${rows.length} (${((100 * right) / rows.length).toFixed(1)}%)`);
}
report("real responses (fixtures)", real, realVerdicts);

const oldPath = process.env.HINTLAB_OLD_GRADER;
if (oldPath) {
  const old = (await import(oldPath)) as { gradeMathPairs: (pairs: { gold: string; pred: string }[], execute: unknown) => Promise<{ equivalent: boolean }[]> };
  for (const [name, rows, now] of [["real responses", real, realVerdicts], ["own cases", cases, own]] as const) {
    const before = (await old.gradeMathPairs(toPairs(rows).map(({ gold, pred }) => ({ gold, pred })), execute)).map((v) => v.equivalent);
    const oldRight = rows.filter((r, k) => before[k] === r.expected).length;
    const changed = rows.flatMap((r, k) => (before[k] !== now[k] ? [{ r, before: before[k], now: now[k] }] : []));
    console.log(`${name}, old grader: ${oldRight}/${rows.length} agree (${((100 * oldRight) / rows.length).toFixed(1)}%); changed verdicts: ${changed.length}`);
    const byClass = new Map<string, [number, number]>();
    rows.forEach((r, k) => {
      const c = byClass.get(r.class) ?? [0, 0];
      byClass.set(r.class, [c[0] + (before[k] === r.expected ? 1 : 0), c[1] + 1]);
    });
    console.log(`  old by class: ${[...byClass].map(([c, [a, n]]) => `${c} ${a}/${n}`).join(", ")}`);
    const fixes = changed.filter((c) => c.now === c.r.expected).length;
    console.log(`  fixes ${fixes}, regressions ${changed.length - fixes} (of them new false "correct": ${changed.filter((c) => c.now && !c.r.expected).length})`);
    if (name === "real responses" || process.env.VERBOSE)
      for (const c of changed) console.log(`  ${c.r.id ?? c.r.class}: ${c.before} -> ${c.now} (expected ${c.r.expected}) gold ${JSON.stringify(c.r.gold)} …${JSON.stringify(c.r.response.slice(-100))}`);
  }
}
await grader.dispose();
await sandbox.dispose();
// Targets of issue 15: ≥ 90% on answer-class cases, ≥ 98% on real responses.
const ownRate = cases.filter((r, k) => own[k] === r.expected).length / cases.length;
const realRate = real.filter((r, k) => realVerdicts[k] === r.expected).length / real.length;
const ok = ownRate >= 0.9 && realRate >= 0.98;
console.log(ok ? "targets met" : "TARGETS MISSED (own cases >= 90%, real responses >= 98%)");
process.exit(ok ? 0 : 1);
