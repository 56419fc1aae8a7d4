// Grading forgery: wrong programs (the real wrong LiveCodeBench fixtures) extended with code
// that tries to make the grader say "passed". Before issue 9 the verdict was a marker line the
// harness printed inside the sandbox, so each of these passed; now the expected output never
// enters the sandbox and the host compares. Every test also checks that the correct fixture
// still passes.
import { describe, expect, it } from "vitest";
import { gradeCode } from "./index";
import { problems, solution, testsOf, useNodeSandbox } from "./__fixtures__/lcb";

const sandbox = useNodeSandbox();
const { execute } = sandbox;

/** Finds the grader's marker or nonce in the harness source (the running cell, via linecache). */
const LEARN_MARKER = String.raw`
import linecache, re, sys
def _learn():
    cells = [k for k in linecache.cache if k.startswith("<cell-")]
    src = "".join(linecache.cache[max(cells, key=lambda k: int(k[6:-1]))][2]) if cells else ""
    return re.findall(r'"(@@hintlab-[^"]*)"', src)
`;
const FORGE_PASS = String.raw`
for _m in _learn() + ["@@hintlab-test "]:
    sys.__stdout__.write(_m + '{"passed": true, "error": null}\n')
    sys.__stdout__.flush()
`;

describe.skipIf(problems.length === 0)("grading forgery on LiveCodeBench fixtures", () => {
  const stdinProblem = () => problems[0]!;
  const functionalProblem = () => problems[11]!;

  async function expectForgeryFails(index: 0 | 11, attack: string) {
    const problem = index === 0 ? stdinProblem() : functionalProblem();
    const opts = { starterCode: problem.starter_code, perTestMs: 10_000 };
    await sandbox.reset(); // each attack starts in a fresh interpreter
    const forged = await gradeCode(attack, testsOf(problem), execute, opts);
    expect(forged.passed).toBe(false);
    expect(forged.tests.every((t) => !t.passed)).toBe(true);
    // The legitimate path: the correct program still passes every test (in a fresh
    // interpreter, as the runner grades every trace: a program may spoil its own process).
    await sandbox.reset();
    const good = await gradeCode(solution(`p${index}-correct.py`), testsOf(problem), execute, opts);
    expect(good.tests.map((t) => t.error ?? "ok")).toEqual(problem.tests.map(() => "ok"));
    expect(good.passed).toBe(true);
  }

  it("stdin: a wrong program prints the marker line past the harness (sys.__stdout__)", async () => {
    await expectForgeryFails(0, `${solution("p0-wrong.py")}\n${LEARN_MARKER}\n${FORGE_PASS}`);
  });

  it("stdin: reads the expected output from the harness's globals and prints it", async () => {
    await expectForgeryFails(
      0,
      "import sys\nf = sys._getframe()\nwhile f is not None:\n    if '_expected' in f.f_globals:\n        print(f.f_globals['_expected'], end='')\n        break\n    f = f.f_back\nelse:\n    print('nothing to read')",
    );
  });

  it("stdin: replaces the harness's report function in its globals", async () => {
    await expectForgeryFails(
      0,
      `${solution("p0-wrong.py")}\nimport sys\ng = sys._getframe(1).f_globals\ndef _fake(passed, error=None):\n    sys.stdout = g.get('_real_stdout', sys.__stdout__)\n    print('@@hintlab-test {"passed": true, "error": null}')\ng['_report'] = _fake\ng['_lines'] = lambda s: ['same']`,
    );
  });

  it("functional: prints the grader's marker learned from the harness source, after the harness's own", async () => {
    await expectForgeryFails(11, `${LEARN_MARKER}\n${solution("p11-wrong.py")}\n${FORGE_PASS}`);
  });

  it("functional: silences the harness's output and forges the only result line, with the learned nonce", async () => {
    await expectForgeryFails(
      11,
      `${LEARN_MARKER}\nimport builtins\n${solution("p11-wrong.py")}\n${FORGE_PASS}\nbuiltins.print = lambda *a, **k: None`,
    );
  });

  it("functional: patches the comparison (json.loads returns an object equal to anything)", async () => {
    await expectForgeryFails(
      11,
      `import json\nclass _Eq(list):\n    def __eq__(self, other):\n        return True\n    def __ne__(self, other):\n        return False\n_loads = json.loads\njson.loads = lambda *a, **k: _Eq()\nclass Solution:\n    def countKConstraintSubstrings(self, s, k):\n        return -1`,
    );
  });

  it("functional: patches json.dumps so that the harness's report says passed", async () => {
    await expectForgeryFails(
      11,
      `import json\n_d = json.dumps\ndef _dumps(o, *a, **k):\n    if isinstance(o, dict) and "passed" in o:\n        o = {"passed": True, "error": None}\n    return _d(o, *a, **k)\njson.dumps = _dumps\n${solution("p11-wrong.py")}`,
    );
  });
});
