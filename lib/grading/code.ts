/**
 * Code grading: run a program against a problem's tests in the sandbox, one execution per
 * test so the sandbox's own time limit (which interrupts or restarts Python) is the per-test
 * limit. stdin tests compare printed output line by line, ignoring trailing whitespace and
 * blank lines at the end (as LiveCodeBench does); functional tests exec the program, call
 * the starter code's method on `Solution` with the JSON values of the input lines, and
 * compare the JSON of the result (with Python's equality: 1 == 1.0 == True).
 *
 * The verdict is never computed where the program under test runs: that Python is the
 * program's to patch (builtins, json, the harness's own globals, the runner's captures), and a
 * marker line or nonce it prints can be forged by anything that can read the harness source.
 * So the expected output never enters the sandbox; the harness only runs the program and
 * hands back what it printed (stdin) or what it returned (functional: one JSON line framed by
 * a fresh random nonce, and anything but exactly one such line fails), and the comparison
 * happens here, in the host. Knowing the nonce lets a program claim a return value, not a verdict.
 */
import type { ExecuteFn } from "./symbolic";

export interface CodeTest {
  input: string;
  output: string;
  type: "stdin" | "functional";
}

/** Why a test failed, as counted on the results page. */
export type CodeFailure = "wrong-answer" | "timeout" | "runtime-error" | "output-limit" | "not-run";
export const CODE_FAILURES: readonly CodeFailure[] = ["wrong-answer", "timeout", "runtime-error", "output-limit", "not-run"];

export interface CodeTestResult {
  passed: boolean;
  timedOut: boolean;
  /** Absent when passed. */
  failure?: CodeFailure;
  /** Python exception, wrong-answer summary or sandbox error; absent when passed. */
  error?: string;
  durationMs: number;
}

export interface CodeGradeResult {
  /** All tests passed (and there was at least one). */
  passed: boolean;
  tests: CodeTestResult[];
}

/** The failed tests of a result by reason (tests that passed are not counted). */
export function failureCounts(r: CodeGradeResult): Partial<Record<CodeFailure, number>> {
  const out: Partial<Record<CodeFailure, number>> = {};
  for (const t of r.tests) if (t.failure) out[t.failure] = (out[t.failure] ?? 0) + 1;
  return out;
}

export interface CodeGradeOptions {
  /** Per-test limit. Default 6000 ms. */
  perTestMs?: number;
  /** Starter code naming the method functional tests call (`class Solution: def name(self, …)`). */
  starterCode?: string;
  /** Stop at the first failing test (the rest are reported as not run). Default false. */
  stopOnFailure?: boolean;
  /**
   * stdin tests: numbers with a fractional part or an exponent (floats) on both sides match when
   * |got − want| ≤ tol · max(1, |want|). Default 0: LiveCodeBench's own rule, which compares a
   * line's numbers as exact decimals ("0.50" = "0.5", "1.0" = "1") and nothing looser.
   */
  floatTolerance?: number;
}

// The imports LiveCodeBench puts before functional solutions, so `List[int]` etc. resolve.
const FUNCTIONAL_PRELUDE = "from typing import *\nfrom collections import *\nfrom functools import *\nfrom itertools import *\nfrom heapq import *\nfrom bisect import *\nfrom math import *\nimport math, collections, heapq, itertools, functools, bisect, string, re\n";

/** The method functional tests call: the first `def name(self` in the starter code. */
export function starterMethodName(starterCode: string | undefined): string | undefined {
  return starterCode ? /def\s+(\w+)\s*\(\s*self\b/.exec(starterCode)?.[1] : undefined;
}

/** A fresh, unguessable frame for one functional test's return value. */
function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `@@hintlab-return-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")} `;
}

/**
 * Python that runs `program` on one test's input. It never sees the expected output. stdin:
 * the program's own stdout is the result. functional: the program's prints are swallowed and
 * the method's return value is printed once, as `nonce + JSON`.
 */
export function buildTestHarness(program: string, test: Pick<CodeTest, "input" | "type">, method?: string, nonce = newNonce()): string {
  const q = (s: string) => JSON.stringify(s);
  if (test.type === "stdin") {
    // Ends in a try statement, not an expression: the runner must not display anything.
    return String.raw`
import sys as _sys, io as _io
_sys.stdin = _io.TextIOWrapper(_io.BytesIO(${q(test.input)}.encode()), encoding="utf-8")
try:
    exec(compile(${q(program)}, "<solution>", "exec"), {"__name__": "__main__"})
except SystemExit:
    pass
finally:
    _sys.stdin = _sys.__stdin__
`;
  }
  return String.raw`
import sys as _sys, io as _io, json as _json
_out = _sys.stdout
_sys.stdout = _io.StringIO()
try:
    _ns = {"__name__": "__solution__"}
    exec(compile(${q(FUNCTIONAL_PRELUDE)} + ${q(program)}, "<solution>", "exec"), _ns)
    if not ${q(method ?? "")}:
        raise RuntimeError("no method name: the problem needs starter code with 'def name(self, ...)'")
    _args = [_json.loads(l) for l in ${q(test.input)}.split("\n") if l.strip()]
    _got = getattr(_ns["Solution"](), ${q(method ?? "")})(*_args)
    _line = ${q(nonce)} + _json.dumps(_got)
finally:
    _sys.stdout = _out
print(_line)
`;
}

/** Output lines as LiveCodeBench compares them: trailing whitespace and final blank lines ignored. */
function outputLines(s: string): string[] {
  const out = s.replace(/\r\n/g, "\n").split("\n").map((l) => l.trimEnd());
  while (out.length && out[out.length - 1] === "") out.pop();
  return out;
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A decimal token as (sign, digits without leading/trailing zeros, exponent): equal values, equal triples. */
function canonicalDecimal(token: string): string {
  const m = /^([+-]?)(\d*)\.?(\d*)(?:[eE]([+-]?\d+))?$/.exec(token)!;
  let digits = (m[2]! + m[3]!).replace(/^0+/, "");
  let exp = Number(m[4] ?? 0) - m[3]!.length;
  if (!digits) return "0";
  const trailing = /0*$/.exec(digits)![0].length;
  digits = digits.slice(0, digits.length - trailing);
  exp += trailing;
  return `${m[1] === "-" ? "-" : ""}${digits}e${exp}`;
}

/**
 * One output line against the expected one, as LiveCodeBench does: equal after trimming, or
 * every whitespace-separated token of both is a decimal number and they are equal as decimals
 * (Python's Decimal). With a float tolerance, tokens with a fraction or an exponent may also
 * differ by tol · max(1, |want|).
 */
export function lineMatches(got: string, want: string, floatTolerance = 0): boolean {
  const g = got.trim();
  const w = want.trim();
  if (g === w) return true;
  const gt = g.split(/\s+/);
  const wt = w.split(/\s+/);
  if (gt.length !== wt.length || !gt.every((t) => DECIMAL.test(t)) || !wt.every((t) => DECIMAL.test(t))) return false;
  return gt.every((t, i) => {
    const u = wt[i]!;
    if (canonicalDecimal(t) === canonicalDecimal(u)) return true;
    if (floatTolerance <= 0 || !/[.eE]/.test(t + u)) return false;
    const a = Number(t);
    const b = Number(u);
    return Number.isFinite(a) && Number.isFinite(b) && Math.abs(a - b) <= floatTolerance * Math.max(1, Math.abs(b));
  });
}

/** A JSON value with numbers kept as their source text (Python ints are unbounded). */
type Json = null | boolean | string | { num: string } | Json[] | { obj: Map<string, Json> };

/** Strict JSON (what Python's json.dumps writes for plain values); throws on anything else. */
function parseJson(text: string): Json {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw new Error(`not JSON at character ${i}`);
  };
  const value = (depth: number): Json => {
    if (depth > 200) fail();
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const obj = new Map<string, Json>();
      ws();
      if (text[i] === "}") return i++, { obj };
      for (;;) {
        ws();
        const key = value(depth + 1);
        if (typeof key !== "string") fail();
        ws();
        if (text[i++] !== ":") fail();
        obj.set(key as string, value(depth + 1));
        ws();
        const sep = text[i++];
        if (sep === "}") return { obj };
        if (sep !== ",") fail();
      }
    }
    if (c === "[") {
      i++;
      const arr: Json[] = [];
      ws();
      if (text[i] === "]") return i++, arr;
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        const sep = text[i++];
        if (sep === "]") return arr;
        if (sep !== ",") fail();
      }
    }
    if (c === '"') {
      const m = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/.exec(text.slice(i));
      if (!m) fail();
      i += m![0].length;
      return JSON.parse(m![0]) as string;
    }
    const m = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i));
    if (!m) fail();
    i += m![0].length;
    if (m![0] === "true") return true;
    if (m![0] === "false") return false;
    if (m![0] === "null") return null;
    return { num: m![0] };
  };
  const v = value(0);
  ws();
  if (i !== text.length) fail();
  return v;
}

/** Python's `==` on two json.loads results: True == 1, 1 == 1.0, ints exact at any size. */
function pyEqual(a: Json, b: Json): boolean {
  const numeric = (v: Json): string | undefined => (typeof v === "boolean" ? (v ? "1" : "0") : v !== null && typeof v === "object" && "num" in v ? v.num : undefined);
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined || nb !== undefined) {
    if (na === undefined || nb === undefined) return false;
    const isInt = (n: string) => /^-?\d+$/.test(n);
    return isInt(na) && isInt(nb) ? BigInt(na) === BigInt(nb) : Number(na) === Number(nb);
  }
  if (a === null || b === null || typeof a === "string" || typeof b === "string") return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, k) => pyEqual(x, b[k]!));
  }
  const oa = (a as { obj: Map<string, Json> }).obj;
  const ob = (b as { obj: Map<string, Json> }).obj;
  return oa.size === ob.size && [...oa].every(([k, v]) => ob.has(k) && pyEqual(v, ob.get(k)!));
}

const clip = (s: string) => (s.length > 200 ? `${s.slice(0, 200)}…` : s);

/** The host-side verdict on one execution of the harness. */
function judge(test: CodeTest, r: Awaited<ReturnType<ExecuteFn>>, nonce: string, perTestMs: number, durationMs: number, floatTolerance: number): CodeTestResult {
  const failed = (error: string, failure: CodeFailure = "wrong-answer"): CodeTestResult => ({ passed: false, timedOut: false, failure, error, durationMs });
  if (r.timedOut) return { passed: false, timedOut: true, failure: "timeout", error: `time limit exceeded (${perTestMs} ms)`, durationMs };
  if (r.error) return failed(r.error.slice(-2000), "runtime-error");
  if (r.truncated) return failed("output limit exceeded", "output-limit");
  if (test.type === "stdin") {
    const got = outputLines(r.stdout);
    const want = outputLines(test.output);
    if (got.length === want.length && got.every((l, k) => lineMatches(l, want[k]!, floatTolerance))) return { passed: true, timedOut: false, durationMs };
    return failed(`wrong answer: expected ${JSON.stringify(clip(want.join("\n")))}, got ${JSON.stringify(clip(got.join("\n")))}`);
  }
  const frames = r.stdout.split("\n").filter((l) => l.startsWith(nonce));
  // No frame: the method raised before returning (its traceback is on stderr) — a runtime error.
  if (frames.length !== 1) return frames.length ? failed("the program wrote the harness's result line itself") : failed(r.stderr.slice(-2000) || "no result from the test harness", "runtime-error");
  const gotText = frames[0]!.slice(nonce.length);
  let got: Json;
  let want: Json;
  try {
    want = parseJson(test.output);
  } catch {
    return failed(`the test's expected output is not JSON: ${clip(test.output)}`);
  }
  try {
    got = parseJson(gotText);
  } catch {
    return failed(`the result is not JSON: ${clip(gotText)}`);
  }
  if (pyEqual(got, want)) return { passed: true, timedOut: false, durationMs };
  return failed(`wrong answer: expected ${clip(test.output.trim())}, got ${clip(gotText)}`);
}

/** Run `program` on every test; each test gets its own execution and time limit. */
export async function gradeCode(program: string, tests: CodeTest[], execute: ExecuteFn, options: CodeGradeOptions = {}): Promise<CodeGradeResult> {
  const perTestMs = options.perTestMs ?? 6000;
  const method = starterMethodName(options.starterCode);
  const results: CodeTestResult[] = [];
  let failed = false;
  for (const test of tests) {
    if (failed && options.stopOnFailure) {
      results.push({ passed: false, timedOut: false, failure: "not-run", error: "not run (an earlier test failed)", durationMs: 0 });
      continue;
    }
    const started = Date.now();
    const nonce = newNonce();
    // Room for the expected output twice over: an answer that long is wrong anyway.
    const maxOutputChars = Math.max(100_000, 2 * test.output.length + 1000);
    const r = await execute(buildTestHarness(program, test, method, nonce), { timeoutMs: perTestMs, maxOutputChars });
    const result = judge(test, r, nonce, perTestMs, Date.now() - started, options.floatTolerance ?? 0);
    if (!result.passed) failed = true;
    results.push(result);
  }
  return { passed: tests.length > 0 && results.every((t) => t.passed), tests: results };
}
