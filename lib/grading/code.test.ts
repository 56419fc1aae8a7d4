import { describe, expect, it } from "vitest";
import { failureCounts, gradeCode, lineMatches, starterMethodName, type CodeTest } from "./index";
import { problems, solution, testsOf, useNodeSandbox } from "./__fixtures__/lcb";

const { execute } = useNodeSandbox();

describe.skipIf(problems.length === 0)("code grading on LiveCodeBench fixture problems", () => {
  // Index in livecodebench-sample-24.jsonl, and which tests the wrong solution passes.
  const cases: [number, string, boolean[]][] = [
    [0, "stdin", [false, false, false]],
    [1, "stdin", [false, true, false]],
    [2, "stdin", [true, false]],
    [11, "functional", [false, false, false]],
    [12, "functional", [true, true, false]],
  ];
  for (const [index, kind, wrongPasses] of cases) {
    it(`problem ${index} (${kind}): the correct solution passes every test, the wrong one fails where it should`, async () => {
      const problem = problems[index]!;
      expect(problem.tests[0]!.testtype).toBe(kind);
      const opts = { starterCode: problem.starter_code, perTestMs: 10_000 };
      const good = await gradeCode(solution(`p${index}-correct.py`), testsOf(problem), execute, opts);
      expect(good.tests.map((t) => t.error ?? "ok")).toEqual(problem.tests.map(() => "ok"));
      expect(good.passed).toBe(true);
      const bad = await gradeCode(solution(`p${index}-wrong.py`), testsOf(problem), execute, opts);
      expect(bad.tests.map((t) => t.passed)).toEqual(wrongPasses);
      expect(bad.passed).toBe(false);
      expect(bad.tests.find((t) => !t.passed)?.error).toMatch(/wrong answer/);
    });
  }

  it("stops a test at its time limit and still runs the next one", async () => {
    const program = "n = int(input())\nwhile n == 1:\n    pass\nprint(n)\n";
    const r = await gradeCode(program, [
      { input: "1\n", output: "1\n", type: "stdin" },
      { input: "2\n", output: "2\n", type: "stdin" },
    ], execute, { perTestMs: 1500 });
    expect(r.tests.map((t) => [t.passed, t.timedOut])).toEqual([[false, true], [true, false]]);
    expect(failureCounts(r)).toEqual({ timeout: 1 });
  }, 60_000);

  it("reports a crash as that test's failure, with the exception", async () => {
    const r = await gradeCode("print(1 // int(input()))", [{ input: "0", output: "0", type: "stdin" }], execute);
    expect(r.tests[0]).toMatchObject({ passed: false, timedOut: false });
    expect(r.tests[0]!.error).toContain("ZeroDivisionError");
    expect(r.tests[0]!.failure).toBe("runtime-error");
  });

  it("names why each test failed; after the first failure the rest are not run", async () => {
    const tests: CodeTest[] = [
      { input: "1", output: "1", type: "stdin" },
      { input: "2", output: "5", type: "stdin" },
      { input: "3", output: "3", type: "stdin" },
    ];
    const r = await gradeCode("print(int(input()))", tests, execute, { stopOnFailure: true });
    expect(r.tests.map((t) => t.failure ?? "passed")).toEqual(["passed", "wrong-answer", "not-run"]);
    expect(failureCounts(r)).toEqual({ "wrong-answer": 1, "not-run": 1 });
  });

  it("floats: exact decimals by default (LiveCodeBench), a tolerance when the experiment sets one", async () => {
    const t: CodeTest[] = [{ input: "", output: "0.333333\n", type: "stdin" }];
    const program = "print(1/3)"; // 0.3333333333333333
    expect((await gradeCode(program, t, execute)).tests[0]!.failure).toBe("wrong-answer");
    expect((await gradeCode(program, t, execute, { floatTolerance: 1e-6 })).passed).toBe(true);
  });

  it("ignores trailing whitespace and final blank lines but not inner differences of text", async () => {
    const t: CodeTest[] = [{ input: "", output: "1 2\n3\n", type: "stdin" }];
    expect((await gradeCode("print('1 2   ')\nprint(3)\nprint()\n", t, execute)).passed).toBe(true);
    // Numbers compare token by token (LiveCodeBench's decimal rule), words do not.
    expect((await gradeCode("print('1  2')\nprint(3)\n", t, execute)).passed).toBe(true);
    expect((await gradeCode("print('a  b')", [{ input: "", output: "a b", type: "stdin" }], execute)).passed).toBe(false);
  });
});

describe("functional results compared in the host, with Python's equality", () => {
  const starterCode = "class Solution:\n    def f(self, x):\n        pass\n";
  const grade = (ret: string, expected: string) =>
    gradeCode(`class Solution:\n    def f(self, x):\n        return ${ret}\n`, [{ input: "0", output: expected, type: "functional" }], execute, { starterCode });

  it("1 == 1.0 == True, lists by element, dicts by key, not by order", async () => {
    expect((await grade("1", "true")).passed).toBe(true);
    expect((await grade("2.0", "2")).passed).toBe(true);
    expect((await grade("(1, [2, 3])", "[1, [2, 3]]")).passed).toBe(true);
    expect((await grade("{'b': 1, 'a': [None]}", '{"a": [null], "b": 1}')).passed).toBe(true);
    expect((await grade("'1'", "1")).passed).toBe(false);
    expect((await grade("[1, 2]", "[2, 1]")).passed).toBe(false);
  });

  it("big integers are compared exactly, not as doubles", async () => {
    expect((await grade("12345678901234567891", "12345678901234567891")).passed).toBe(true);
    const r = await grade("12345678901234567890", "12345678901234567891");
    expect(r.passed).toBe(false);
    expect(r.tests[0]!.error).toMatch(/wrong answer/);
  });
});

it("finds the method functional tests call in the starter code", () => {
  expect(starterMethodName("class Solution:\n    def findXSum(self, nums: List[int], k: int) -> List[int]:\n")).toBe("findXSum");
  expect(starterMethodName("")).toBeUndefined();
});

describe("an output line against the expected one (LiveCodeBench's rule, and a float tolerance)", () => {
  it("numbers equal as decimals match, whatever their spelling", () => {
    expect(lineMatches("0.50", "0.5")).toBe(true);
    expect(lineMatches("1.0 2", "1 2.000")).toBe(true);
    expect(lineMatches("1e3", "1000")).toBe(true);
    expect(lineMatches("-0", "0")).toBe(true);
    expect(lineMatches("  7 ", "7")).toBe(true);
    expect(lineMatches("12345678901234567890", "12345678901234567891")).toBe(false); // exact, beyond doubles
  });

  it("without a tolerance, close floats do not match; with one they do, relative to the expected size", () => {
    expect(lineMatches("0.3333333", "0.333333")).toBe(false);
    expect(lineMatches("0.3333333", "0.333333", 1e-6)).toBe(true);
    expect(lineMatches("1000000.1", "1000000.0", 1e-6)).toBe(true); // 0.1 ≤ 1e-6 × 10^6
    expect(lineMatches("0.001", "0.002", 1e-6)).toBe(false);
    // Integers stay exact under a tolerance: an off-by-one count is wrong.
    expect(lineMatches("1000001", "1000000", 1e-6)).toBe(false);
  });

  it("text and numbers mixed, or different token counts, compare as text", () => {
    expect(lineMatches("Yes 1", "Yes 1.0")).toBe(false);
    expect(lineMatches("1 2", "1 2 3")).toBe(false);
    expect(lineMatches("inf", "inf")).toBe(true);
    expect(lineMatches("nan", "NaN", 1)).toBe(false);
  });
});
