import fs, { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Trace } from "@/lib/protocol";
import { parseDatasetJsonl } from "./datasets";
import { batchBound, mixedBatch, NORMAL, PATHOLOGICAL } from "@/lib/grading/__fixtures__/pathological";
import type { SymbolicGrader } from "@/lib/grading";
import { createMathGrader, poolGrader } from "./grade";
import { SandboxPool } from "./sandbox-pool";

const ROOT = path.resolve(import.meta.dirname, "../..");
const lcb = parseDatasetJsonl(readFileSync(path.join(ROOT, "../shared/fixtures/datasets/livecodebench-sample-24.jsonl"), "utf8")).problems;
const solution = (name: string) => readFileSync(path.join(ROOT, "lib/grading/__fixtures__/lcb", name), "utf8");
const traceWith = (answer: string | undefined) => ({ answer, verdict: "ungraded" }) as Trace;

const HAS_BUNDLE = fs.existsSync(path.join(ROOT, "public/pyodide/sympy-bundle.zip"));
const pool = new SandboxPool(1);
const math: SymbolicGrader[] = [];
const mathGrader = (perPairMs: number, workers = 2) => {
  const g = createMathGrader({ perPairMs, workers });
  math.push(g);
  return g;
};
const grade = poolGrader(pool, mathGrader(5000, 1));
afterAll(async () => {
  await pool.dispose();
  await Promise.all(math.map((g) => g.dispose()));
});

describe("poolGrader (the runner's default)", () => {
  it("code: the trace's program against the problem's tests (stdin and functional)", async () => {
    expect((await grade(lcb[0]!, traceWith(solution("p0-correct.py")))).verdict).toBe("correct");
    const wrong = await grade(lcb[0]!, traceWith(solution("p0-wrong.py")));
    expect(wrong.verdict).toBe("incorrect");
    // Why, per test: the first failure and the tests not run after it (all 3 of p0 fail).
    expect(wrong.codeFailures).toEqual({ "wrong-answer": 1, "not-run": 2 });
    // The experiment's per-test limit reaches the tests: a program that never ends is a timeout.
    const tight = poolGrader(pool, undefined, { perTestMs: 500 });
    expect((await tight(lcb[0]!, traceWith("while True:\n    pass\n"))).codeFailures).toEqual({ timeout: 1, "not-run": 2 });
    expect((await grade(lcb[11]!, traceWith(solution("p11-correct.py")))).verdict).toBe("correct");
    expect((await grade(lcb[0]!, traceWith(undefined))).verdict).toBe("incorrect");
  });

  it("math: equivalent forms of the gold are correct", async () => {
    const problem = { id: "m", kind: "math" as const, statement: "x", gold: "\\frac{1}{2}" };
    expect(await grade(problem, traceWith("0.5"))).toEqual({ answer: "0.5", verdict: "correct" });
    expect((await grade(problem, traceWith("\\dfrac{1}{3}"))).verdict).toBe("incorrect");
    expect((await grade(problem, traceWith(undefined))).verdict).toBe("incorrect");
  });

  it.skipIf(!HAS_BUNDLE)("math: an answer over the per-pair limit is ungradable with its reason, and the next one is graded", async () => {
    const g = poolGrader(pool, mathGrader(1000, 1));
    const problem = (gold: string) => ({ id: "m", kind: "math" as const, statement: "x", gold });
    expect(await g(problem("10^{10^{10}}+1"), traceWith("10^{10^{10}}"))).toEqual({ answer: "10^{10^{10}}", verdict: "ungradable", reason: "time limit" });
    expect(await g(problem("(x-1)(x+1)"), traceWith("x^2-1"))).toEqual({ answer: "x^2-1", verdict: "correct" });
  }, 120_000);

  // Issue 10 in the runner's path: traces graded as they finish (here all at once, as a runner
  // with high concurrency would), 10 pathological answers among 300.
  it.skipIf(!HAS_BUNDLE)("300 traces + 10 pathological answers grade within normal time + 10 x (the limit + restart allowance)", async () => {
    const limit = 3000;
    const run = async (pairs: { gold: string; pred: string }[]) => {
      const g = poolGrader(pool, mathGrader(limit));
      const t0 = performance.now();
      const verdicts = await Promise.all(pairs.map((p, k) => g({ id: `p${k}`, kind: "math", statement: "x", gold: p.gold }, traceWith(p.pred))));
      return { verdicts, ms: performance.now() - t0 };
    };
    const normal = await run(NORMAL);
    const { pairs, isBad } = mixedBatch();
    const mixed = await run(pairs);
    console.log(`poolGrader: normal ${(normal.ms / 1000).toFixed(1)} s, mixed ${(mixed.ms / 1000).toFixed(1)} s, target ${((normal.ms + 10 * limit) / 1000).toFixed(1)} s`);
    // See batchBound: 1.5 x normal for load between the two runs, and a restart allowance per pathological pair.
    expect(mixed.ms).toBeLessThan(batchBound(normal.ms, limit));
    expect(mixed.verdicts.filter((_, k) => isBad[k]).map((v) => [v.verdict, v.reason])).toEqual(PATHOLOGICAL.map(() => ["ungradable", "time limit"]));
    const kept = mixed.verdicts.filter((_, k) => !isBad[k]);
    // A normal answer near the limit may land on either side in two runs (at most 2); any other change is a neighbour hurt.
    const flips = NORMAL.map((_, k) => k).filter((k) => kept[k]!.verdict !== normal.verdicts[k]!.verdict);
    expect(flips.filter((k) => kept[k]!.verdict !== "ungradable" && normal.verdicts[k]!.verdict !== "ungradable")).toEqual([]);
    expect(flips.length).toBeLessThanOrEqual(2);
    expect(NORMAL.filter((p, k) => normal.verdicts[k]!.verdict !== "ungradable" && (normal.verdicts[k]!.verdict === "correct") !== p.equivalent)).toEqual([]);
  }, 400_000);
});
