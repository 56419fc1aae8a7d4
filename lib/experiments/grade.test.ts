import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Trace } from "@/lib/protocol";
import { parseDatasetJsonl } from "./datasets";
import { poolGrader } from "./grade";
import { SandboxPool } from "./sandbox-pool";

const ROOT = path.resolve(import.meta.dirname, "../..");
const lcb = parseDatasetJsonl(readFileSync(path.join(ROOT, "../shared/fixtures/datasets/livecodebench-sample-24.jsonl"), "utf8")).problems;
const solution = (name: string) => readFileSync(path.join(ROOT, "lib/grading/__fixtures__/lcb", name), "utf8");
const traceWith = (answer: string | undefined) => ({ answer, verdict: "ungraded" }) as Trace;

const pool = new SandboxPool(1);
const grade = poolGrader(pool);
afterAll(() => pool.dispose());

describe("poolGrader (the runner's default)", () => {
  it("code: the trace's program against the problem's tests (stdin and functional)", async () => {
    expect((await grade(lcb[0]!, traceWith(solution("p0-correct.py")))).verdict).toBe("correct");
    expect((await grade(lcb[0]!, traceWith(solution("p0-wrong.py")))).verdict).toBe("incorrect");
    expect((await grade(lcb[11]!, traceWith(solution("p11-correct.py")))).verdict).toBe("correct");
    expect((await grade(lcb[0]!, traceWith(undefined))).verdict).toBe("incorrect");
  });

  it("math: equivalent forms of the gold are correct", async () => {
    const problem = { id: "m", kind: "math" as const, statement: "x", gold: "\\frac{1}{2}" };
    expect(await grade(problem, traceWith("0.5"))).toEqual({ answer: "0.5", verdict: "correct" });
    expect((await grade(problem, traceWith("\\dfrac{1}{3}"))).verdict).toBe("incorrect");
    expect((await grade(problem, traceWith(undefined))).verdict).toBe("incorrect");
  });
});
