import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeSandbox } from "@/lib/sandbox/node";
import { compareMath, extractFinalAnswer, gradeMathPairs, SymbolicGrader, type ExecuteFn } from "./index";

interface LabelledPair {
  category: string;
  gold: string;
  pred: string;
  equivalent: boolean;
}

const HERE = import.meta.dirname;
const HAS_BUNDLE = fs.existsSync(path.resolve(HERE, "../../public/pyodide/sympy-bundle.zip"));
const readJsonl = <T>(file: string): T[] =>
  fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as T);
const datasets = (name: string) => {
  const shared = path.resolve(HERE, "../../../shared/fixtures/datasets", name);
  return fs.existsSync(shared) ? shared : undefined;
};

let sandbox: NodeSandbox;
const execute: ExecuteFn = (code, options) => sandbox.execute(code, options);
/** One grader for the file, as a CLI run or an experiment holds one: sympy is imported once. */
let grader: SymbolicGrader;
const equivalent = async (pairs: { gold: string; pred: string }[]) => (await gradeMathPairs(pairs, grader)).map((v) => v.equivalent);

beforeAll(async () => {
  sandbox = new NodeSandbox();
  grader = new SymbolicGrader(execute);
  await sandbox.ready;
}, 90_000);
afterAll(async () => {
  await sandbox?.dispose();
});

describe("answer extraction for grading", () => {
  it("takes the box, then the phrase, then a short bare answer from either side", () => {
    expect(extractFinalAnswer("so \\boxed{1} no wait \\boxed{\\frac{3}{4}}.")).toBe("\\frac{3}{4}");
    expect(extractFinalAnswer("<think>\\boxed{2}</think>The answer is $5$.")).toBe("5");
    expect(extractFinalAnswer("$\\frac{1}{2}$")).toBe("$\\frac{1}{2}$");
    expect(extractFinalAnswer("Final Answer: The final answer is $6$. I hope it is correct.")).toBe("6");
  });
  it("decides plain numeric forms without the CAS", () => {
    expect(compareMath("7,425,000", "7425000")).toBe(true);
    expect(compareMath("\\dfrac{1}{2}", "0.5")).toBe(true);
    expect(compareMath("27.0", "The answer is $\\boxed{27}$.")).toBe(true);
    expect(compareMath("(1,2]", "(1,2)")).toBe(false);
    const pending = compareMath("x^2+2x+1", "(x+1)^2");
    expect(pending).toMatchObject({ jobs: [{ python: true }] });
    expect(typeof pending === "object" && "jobs" in pending && pending.jobs.length).toBe(1);
  });

  it("compares integers digit for digit, beyond 2^53 too", () => {
    expect(compareMath("12345678901234567891", "12345678901234567891")).toBe(true);
    expect(compareMath("12345678901234567891", "12345678901234567890")).toBe(false);
    expect(compareMath("1000000001", "1000000002")).toBe(false);
    expect(compareMath("-42", "-042")).toBe(true);
  });
});

describe.skipIf(!HAS_BUNDLE)("math equivalence (sympy bundle needed: node scripts/prepare-assets.mjs)", () => {
  // The pairs are written from the cases Math-Verify, lighteval and MATH's is_equiv test.
  // Lines with "batch": 2 and 3 were written blind after the grader existed, as held-out checks:
  // on first run they scored 67/73 and 46/50; the general fixes they prompted (`\pm`, `x \in S`,
  // `\sin 2x`, word answers, one-element sets, `y=3` vs `x=3`) are in, no per-string cases.
  it("agrees with the labelled pairs of lib/grading/__fixtures__/pairs.jsonl, by category", async () => {
    const pairs = readJsonl<LabelledPair>(path.resolve(HERE, "__fixtures__/pairs.jsonl"));
    expect(pairs.length).toBeGreaterThanOrEqual(300);
    const verdicts = await equivalent(pairs);
    const byCategory = new Map<string, { right: number; total: number }>();
    const failures: string[] = [];
    pairs.forEach((p, k) => {
      const c = byCategory.get(p.category) ?? { right: 0, total: 0 };
      c.total++;
      if (verdicts[k] === p.equivalent) c.right++;
      else failures.push(`${p.category}: gold ${JSON.stringify(p.gold)} pred ${JSON.stringify(p.pred)} labelled ${p.equivalent}`);
      byCategory.set(p.category, c);
    });
    const right = [...byCategory.values()].reduce((a, c) => a + c.right, 0);
    const report = [...byCategory].map(([name, c]) => `${name} ${c.right}/${c.total}`).join(", ");
    console.log(`labelled pairs: ${right}/${pairs.length} (${((100 * right) / pairs.length).toFixed(1)}%) — ${report}`);
    for (const f of failures) console.log(`  wrong: ${f}`);
    expect(right / pairs.length).toBeGreaterThanOrEqual(0.97);
    for (const [name, c] of byCategory) expect(c.right / c.total, name).toBeGreaterThanOrEqual(0.9);
  }, 120_000);

  it.skipIf(!datasets("aime24.jsonl"))("grades every AIME 2024 reference solution correct against its answer", async () => {
    const rows = readJsonl<{ answer: number | string; solution: string }>(datasets("aime24.jsonl")!);
    const verdicts = await equivalent(rows.map((r) => ({ gold: String(r.answer), pred: r.solution })));
    expect(verdicts.filter((v) => !v)).toEqual([]);
    // A solution graded against the next problem's answer is wrong (AIME answers are distinct here).
    const shifted = await equivalent(rows.map((r, k) => ({ gold: String(rows[(k + 1) % rows.length]!.answer), pred: r.solution })));
    expect(shifted.filter(Boolean).length).toBe(0);
  });

  it.skipIf(!datasets("amc23.jsonl"))("reads AMC 2023 float answers (27.0) as the integers models write", async () => {
    const rows = readJsonl<{ answer: number }>(datasets("amc23.jsonl")!);
    const pairs = rows.map((r) => ({ gold: r.answer.toFixed(1), pred: `The answer is $\\boxed{${r.answer}}$.` }));
    expect((await equivalent(pairs)).every(Boolean)).toBe(true);
    const off = rows.map((r) => ({ gold: r.answer.toFixed(1), pred: `\\boxed{${r.answer + 1}}` }));
    expect((await equivalent(off)).some(Boolean)).toBe(false);
  });

  it("matches the is_correct labels of the real R1-distill traces", async () => {
    const traces = readJsonl<{ completion: string; gold_answer: string; is_correct: boolean }>(
      path.resolve(HERE, "../../e2e/fixtures/data/r1-distill-math-40.jsonl"),
    );
    const verdicts = await equivalent(traces.map((t) => ({ gold: t.gold_answer, pred: t.completion })));
    expect(verdicts).toEqual(traces.map((t) => t.is_correct));
    expect(traces.some((t) => t.is_correct) && traces.some((t) => !t.is_correct)).toBe(true);
  });

  it("gives a pathological symbolic pair its time limit, not the batch's", async () => {
    const verdicts = await gradeMathPairs(
      [
        { gold: "10^{10^{10}}", pred: "10^{10^{10}}+1" },
        { gold: "x^2-1", pred: "(x-1)(x+1)" },
      ],
      execute,
      { perPairMs: 1000 },
    );
    expect(verdicts).toEqual([{ equivalent: false, ungradable: "time limit" }, { equivalent: true }]);
  });
});
