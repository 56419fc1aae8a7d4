/**
 * Code grading: run a program against a problem's tests in the sandbox, one execution per
 * test so the sandbox's own time limit (which interrupts or restarts Python) is the per-test
 * limit. stdin tests compare printed output line by line, ignoring trailing whitespace and
 * blank lines at the end (as LiveCodeBench does); functional tests exec the program, call
 * the starter code's method on `Solution` with the JSON values of the input lines, and
 * compare the JSON of the result.
 */
import type { ExecuteFn } from "./symbolic";

export interface CodeTest {
  input: string;
  output: string;
  type: "stdin" | "functional";
}

export interface CodeTestResult {
  passed: boolean;
  timedOut: boolean;
  /** Python exception, wrong-answer summary or sandbox error; absent when passed. */
  error?: string;
  durationMs: number;
}

export interface CodeGradeResult {
  /** All tests passed (and there was at least one). */
  passed: boolean;
  tests: CodeTestResult[];
}

export interface CodeGradeOptions {
  /** Per-test limit. Default 6000 ms. */
  perTestMs?: number;
  /** Starter code naming the method functional tests call (`class Solution: def name(self, …)`). */
  starterCode?: string;
  /** Stop at the first failing test (the rest are reported as not run). Default false. */
  stopOnFailure?: boolean;
}

const MARK = "@@hintlab-test ";

// The imports LiveCodeBench puts before functional solutions, so `List[int]` etc. resolve.
const FUNCTIONAL_PRELUDE = "from typing import *\nfrom collections import *\nfrom functools import *\nfrom itertools import *\nfrom heapq import *\nfrom bisect import *\nfrom math import *\nimport math, collections, heapq, itertools, functools, bisect, string, re\n";

/** The method functional tests call: the first `def name(self` in the starter code. */
export function starterMethodName(starterCode: string | undefined): string | undefined {
  return starterCode ? /def\s+(\w+)\s*\(\s*self\b/.exec(starterCode)?.[1] : undefined;
}

/** Python that runs `program` on one test and prints one marker line with the verdict. */
export function buildTestHarness(program: string, test: CodeTest, method?: string): string {
  const q = (s: string) => JSON.stringify(s);
  const common = String.raw`
import sys, io, json, traceback
_src = ${q(program)}
_input = ${q(test.input)}
_expected = ${q(test.output)}
_real_stdout = sys.stdout
_buf = io.StringIO()
def _report(passed, error=None):
    sys.stdout = _real_stdout
    print(${q(MARK)} + json.dumps({"passed": passed, "error": error}))
def _lines(s):
    out = [l.rstrip() for l in s.replace("\r\n", "\n").split("\n")]
    while out and out[-1] == "":
        out.pop()
    return out
`;
  if (test.type === "stdin") {
    return `${common}
sys.stdin = io.TextIOWrapper(io.BytesIO(_input.encode()), encoding="utf-8")
sys.stdout = _buf
_err = None
try:
    exec(compile(_src, "<solution>", "exec"), {"__name__": "__main__"})
except SystemExit:
    pass
except KeyboardInterrupt:
    # The sandbox's time limit: let it end the run so it is reported as timed out.
    raise
except BaseException:
    _err = traceback.format_exc(limit=-3)
finally:
    sys.stdout = _real_stdout
if _err is not None:
    _report(False, _err[-2000:])
else:
    _got = _lines(_buf.getvalue())
    _want = _lines(_expected)
    if _got == _want:
        _report(True)
    else:
        _report(False, "wrong answer: expected " + repr("\\n".join(_want)[:200]) + ", got " + repr("\\n".join(_got)[:200]))
`;
  }
  return `${common}
_method = ${q(method ?? "")}
sys.stdout = _buf
try:
    _ns = {"__name__": "__solution__"}
    exec(compile(${q(FUNCTIONAL_PRELUDE)} + _src, "<solution>", "exec"), _ns)
    if not _method:
        raise RuntimeError("no method name: the problem needs starter code with 'def name(self, ...)'")
    _args = [json.loads(l) for l in _input.split("\\n") if l.strip()]
    _got = getattr(_ns["Solution"](), _method)(*_args)
    sys.stdout = _real_stdout
    # Round-trip through JSON so tuples compare as lists, as the expected output was written.
    _got_json = json.loads(json.dumps(_got))
    _want = json.loads(_expected)
    if _got_json == _want:
        _report(True)
    else:
        _report(False, "wrong answer: expected " + json.dumps(_want)[:200] + ", got " + json.dumps(_got_json)[:200])
except KeyboardInterrupt:
    raise
except BaseException:
    _report(False, traceback.format_exc(limit=-3)[-2000:])
`;
}

/** Run `program` on every test; each test gets its own execution and time limit. */
export async function gradeCode(program: string, tests: CodeTest[], execute: ExecuteFn, options: CodeGradeOptions = {}): Promise<CodeGradeResult> {
  const perTestMs = options.perTestMs ?? 6000;
  const method = starterMethodName(options.starterCode);
  const results: CodeTestResult[] = [];
  let failed = false;
  for (const test of tests) {
    if (failed && options.stopOnFailure) {
      results.push({ passed: false, timedOut: false, error: "not run (an earlier test failed)", durationMs: 0 });
      continue;
    }
    const started = Date.now();
    const r = await execute(buildTestHarness(program, test, method), { timeoutMs: perTestMs, maxOutputChars: 100_000 });
    const durationMs = Date.now() - started;
    const line = r.stdout.split("\n").findLast((l) => l.startsWith(MARK));
    let result: CodeTestResult;
    if (r.timedOut) result = { passed: false, timedOut: true, error: `time limit exceeded (${perTestMs} ms)`, durationMs };
    else if (!line) result = { passed: false, timedOut: false, error: r.error ?? (r.stderr.slice(-2000) || "no result from the test harness"), durationMs };
    else {
      const v = JSON.parse(line.slice(MARK.length)) as { passed: boolean; error: string | null };
      result = { passed: v.passed === true, timedOut: false, ...(v.error ? { error: v.error } : {}), durationMs };
    }
    if (!result.passed) failed = true;
    results.push(result);
  }
  return { passed: tests.length > 0 && results.every((t) => t.passed), tests: results };
}
