import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { NodeSandbox } from "@/lib/sandbox/node";
import { batchBound, bigSets, mixedBatch, NORMAL, PATHOLOGICAL } from "./__fixtures__/pathological";
import { gradeMathPairs, SymbolicGrader, type GradingProcess, type MathGrade } from "./index";

// Issue 10, "grading that cannot hang": a batch with pathological answers must finish within
// the normal batch's time plus the per-pair limit for each of them, with every other verdict
// unchanged. The limit is small here to keep the test short; the bound is generous next to what
// the design gives (pathological pairs run in parallel, each costs about its limit + 0.02 s).
// Figures: bench/grading-pathological.mjs.
const HAS_BUNDLE = fs.existsSync(path.resolve(import.meta.dirname, "../../public/pyodide/sympy-bundle.zip"));
// Small, but above the slowest normal pair under load (\sqrt{a}\sqrt{b} vs \sqrt{ab}: ~2.3 s of
// simplify/equals on a busy 2-core machine).
const LIMIT_MS = 3000;

const graders: SymbolicGrader[] = [];
function newGrader(): SymbolicGrader {
  const create = (): GradingProcess => {
    const sandbox = new NodeSandbox({ warmSpare: false, graceMs: 250 });
    return { execute: (code, options) => sandbox.execute(code, options), dispose: () => sandbox.dispose() };
  };
  const g = new SymbolicGrader({ create, workers: 2 }, { perPairMs: LIMIT_MS });
  graders.push(g);
  return g;
}
afterAll(async () => {
  await Promise.all(graders.map((g) => g.dispose()));
});

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}

describe.skipIf(!HAS_BUNDLE)("grading with pathological answers (sympy bundle needed)", () => {
  it("300 normal + 10 pathological pairs: within normal time + 10 x (limit + restart allowance), pathological ones ungradable, the rest unchanged", async () => {
    // Each run on a fresh grader, so both pay the same start-up (processes, sympy import).
    const normal = await timed(() => gradeMathPairs(NORMAL, newGrader()));
    expect(normal.value.filter((v, k) => v.equivalent === NORMAL[k]!.equivalent).length).toBeGreaterThanOrEqual(294);
    const { pairs, isBad } = mixedBatch();
    const mixed = await timed(() => gradeMathPairs(pairs, newGrader()));
    // The target is normal + 10 x limit (bench/grading-pathological.mjs); see batchBound for the
    // slack a loaded machine needs. Without a per-pair limit that covers parsing, each
    // pathological pair alone takes minutes.
    const bound = batchBound(normal.ms, LIMIT_MS);
    console.log(`normal ${(normal.ms / 1000).toFixed(1)} s, mixed ${(mixed.ms / 1000).toFixed(1)} s, target ${((normal.ms + PATHOLOGICAL.length * LIMIT_MS) / 1000).toFixed(1)} s`);
    expect(mixed.ms).toBeLessThan(bound);
    const bad = mixed.value.filter((_, k) => isBad[k]);
    expect(bad).toEqual(PATHOLOGICAL.map((): MathGrade => ({ equivalent: false, ungradable: "time limit" })));
    // A wall-clock limit depends on the machine's load: a normal pair near it may land on either
    // side in two runs. Those are tolerated (at most 2); any other difference is a neighbour hurt.
    const kept = mixed.value.filter((_, k) => !isBad[k]);
    const nearLimit = (v: MathGrade) => v.ungradable === "time limit";
    const flips = NORMAL.filter((_, k) => nearLimit(kept[k]!) || nearLimit(normal.value[k]!));
    expect(flips.length).toBeLessThanOrEqual(2);
    expect(kept.filter((v, k) => !nearLimit(v) && !nearLimit(normal.value[k]!) && v.equivalent !== normal.value[k]!.equivalent)).toEqual([]);
  }, 400_000);

  it("a pair stuck past its limit does not take its process's later pairs down with it", async () => {
    const grader = newGrader();
    const pairs = [
      { gold: "x", pred: "x^{10^{10}}" },
      { gold: "x^2-1", pred: "(x-1)(x+1)" },
      { gold: "3", pred: "2^{2^{40}}" },
      { gold: "(x+1)^2", pred: "x^2+1" },
      { gold: "\\frac{x^2-4}{x-2}", pred: "x+2" },
    ];
    expect(await gradeMathPairs(pairs, grader)).toEqual([
      { equivalent: false, ungradable: "time limit" },
      { equivalent: true },
      { equivalent: false, ungradable: "time limit" },
      { equivalent: false },
      { equivalent: true },
    ]);
  }, 120_000);

  it("10,000-element symbolic sets: matched by canonical form, one differing element goes to sympy", async () => {
    const n = 10_000;
    const order = (k: number) => (k * 7919) % 10_007;
    const elems = Array.from({ length: n }, (_, k) => k);
    const gold = `\\boxed{\\{${elems.map((k) => `x+${k}`).join(", ")}\\}}`;
    const shuffled = [...elems].sort((a, b) => order(a) - order(b));
    const same = `\\boxed{\\{${shuffled.map((k) => `x + ${k}`).join(", ")}\\}}`;
    const differs = `\\boxed{\\{${shuffled.map((k) => (k === 77 ? "x+\\frac{154}{2}" : k === 78 ? "y+78" : `x+${k}`)).join(", ")}\\}}`;
    const sets = bigSets();
    const r = await timed(() =>
      gradeMathPairs(
        [
          { gold, pred: same },
          { gold, pred: differs },
          { gold: sets.gold, pred: sets.same },
          { gold: sets.gold, pred: sets.differs },
        ],
        newGrader(),
      ),
    );
    expect(r.value).toEqual([{ equivalent: true }, { equivalent: false }, { equivalent: true }, { equivalent: false }]);
    expect(r.ms).toBeLessThan(60_000); // includes starting sympy; the comparison itself is far below
  }, 120_000);
});
