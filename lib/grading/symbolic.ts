/**
 * Symbolic equivalence with sympy, run by an injected `execute` (the Node or browser Pyodide
 * sandbox): many jobs per execution, one JSON line of verdicts back. Per job: exact equality,
 * then evaluation at two fixed rational points (a non-zero difference settles "not equal"
 * without simplify), then expand, and only then the open-ended cancel/simplify/equals under a
 * per-job deadline enforced by a trace hook (Pyodide has no `signal.setitimer`; the hook costs
 * ~50% so the cheap steps run without it). A pathological pair costs its own time, not the batch.
 */
import type { SymbolicJob } from "./math";

/** What the grader needs from a sandbox: `NodeSandbox.execute` fits. */
export type ExecuteFn = (
  code: string,
  options: { timeoutMs: number; maxOutputChars: number },
) => Promise<{ stdout: string; stderr: string; error?: string; timedOut: boolean; truncated?: boolean }>;

export interface SymbolicOptions {
  /** Per-job limit inside Python for the open-ended steps. Default 5000 ms (Math-Verify's timeout). */
  perJobMs?: number;
  /** Jobs per execution. Default 200. */
  batchSize?: number;
}

const PRELUDE = String.raw`
import json, sys, time
import sympy
from sympy import Symbol, simplify, nsimplify, N, Eq, Rel
from sympy.parsing.sympy_parser import parse_expr, standard_transformations, implicit_multiplication_application, convert_xor, factorial_notation

_T = standard_transformations + (implicit_multiplication_application, convert_xor, factorial_notation)
_LOCALS = {c: Symbol(c) for c in "abcdfghjklmnopqrstuvwxyzABCDFGHJKLMNOPQRSTUVWXYZ"}
_LOCALS.update({"e": sympy.E, "E": sympy.E, "i": sympy.I, "I": sympy.I, "pi": sympy.pi, "oo": sympy.oo, "lamda": Symbol("lambda"), "gamma": Symbol("gamma"), "beta": Symbol("beta")})

class _Deadline(Exception):
    pass

def _with_deadline(fn, seconds):
    end = time.perf_counter() + seconds
    def tracer(frame, event, arg):
        if time.perf_counter() > end:
            raise _Deadline()
        return None
    sys.settrace(tracer)
    try:
        return fn()
    finally:
        sys.settrace(None)

_SYMBOLS = {}
def _s(name):
    if name not in _SYMBOLS:
        _SYMBOLS[name] = Symbol(name)
    return _SYMBOLS[name]

_NS = {"__builtins__": {}, "_s": _s, "Integer": sympy.Integer, "Rational": sympy.Rational, "factorial": sympy.factorial,
       "binomial": sympy.binomial, "pi": sympy.pi, "E": sympy.E, "I": sympy.I, "oo": sympy.oo, "EmptySet": sympy.S.EmptySet}
for _name in ["sqrt", "sin", "cos", "tan", "cot", "sec", "csc", "asin", "acos", "atan", "sinh", "cosh", "tanh", "log", "exp", "Max", "Min", "gcd"]:
    _NS[_name] = getattr(sympy, _name)

def _parse(s, python):
    # JS emits plain Python over sympy objects when it can (fast eval in a namespace with no
    # builtins); anything else goes through parse_expr with implicit multiplication.
    if python:
        return sympy.sympify(eval(s, _NS))
    return parse_expr(s.replace("!=", " ne "), local_dict=_LOCALS, transformations=_T, evaluate=True)

# Distinct, non-special values per symbol: a difference that is not zero at one of these
# points is not identically zero, which settles most unequal pairs without simplify().
_POINTS = [[sympy.Rational(7, 5), sympy.Rational(-13, 6), sympy.Rational(11, 3), sympy.Rational(-5, 7), sympy.Rational(17, 9)],
           [sympy.Rational(-3, 8), sympy.Rational(9, 4), sympy.Rational(-19, 10), sympy.Rational(23, 7), sympy.Rational(2, 11)]]

def _value(e):
    v = complex(N(e, 30))
    return v if v == v and abs(v) != float("inf") else None

def _differs(a, b, d, sub):
    """d = a - b is certainly not zero at this point (exact where possible, else numerically)."""
    dv = d.subs(sub) if sub else d
    if dv.is_Rational:
        return dv != 0
    v = _value(dv)
    av = _value(a.subs(sub) if sub else a)
    return v is not None and av is not None and abs(v) > 1e-9 * max(1.0, abs(av))

def _equal(a, b, seconds):
    if a == b:
        return True
    d = a - b
    if d == 0:
        return True
    syms = sorted(d.free_symbols, key=lambda s: s.name)
    try:
        for pt in _POINTS if syms else [[]]:
            if _differs(a, b, d, {s: pt[k % len(pt)] for k, s in enumerate(syms)}):
                return False
    except Exception:
        pass
    try:
        if sympy.expand(d) == 0:
            return True
    except Exception:
        pass
    # The open-ended steps run under the deadline (the ones above are cheap and bounded).
    def hard():
        for step in (sympy.cancel, simplify):
            try:
                if step(d) == 0:
                    return True
            except _Deadline:
                raise
            except Exception:
                pass
        try:
            return bool(a.equals(b))
        except _Deadline:
            raise
        except Exception:
            return False
    return _with_deadline(hard, seconds)

def _run(jobs, seconds):
    out = []
    for g, p, python in jobs:
        try:
            out.append(bool(_equal(_parse(g, python), _parse(p, python), seconds)))
        except KeyboardInterrupt:
            raise
        except BaseException:
            out.append(False)
    return out
`;

/**
 * Decide every job with sympy; a job that errors or runs out of time counts as not
 * equivalent. Several `execute` functions (one per sandbox process) share the batches.
 */
export async function checkSymbolic(jobs: SymbolicJob[], execute: ExecuteFn | ExecuteFn[], options: SymbolicOptions = {}): Promise<boolean[]> {
  const perJobMs = options.perJobMs ?? 5000;
  const executors = Array.isArray(execute) ? execute : [execute];
  const batchSize = Math.max(1, Math.min(options.batchSize ?? 200, Math.ceil(jobs.length / executors.length)));
  const batches: SymbolicJob[][] = [];
  for (let start = 0; start < jobs.length; start += batchSize) batches.push(jobs.slice(start, start + batchSize));
  const results: boolean[][] = new Array(batches.length);
  let next = 0;
  await Promise.all(
    executors.slice(0, batches.length).map(async (run) => {
      while (next < batches.length) {
        const k = next++;
        results[k] = await runBatch(batches[k]!, run, perJobMs);
      }
    }),
  );
  return results.flat();
}

async function runBatch(batch: SymbolicJob[], execute: ExecuteFn, perJobMs: number): Promise<boolean[]> {
  const payload = JSON.stringify(batch.map((j) => [j.gold, j.pred, j.python === true]));
  const code = `${PRELUDE}\nprint("@@verdicts " + json.dumps(_run(json.loads(${JSON.stringify(payload)}), ${perJobMs / 1000})))\n`;
  // The in-Python deadline is the real limit; this outer one only catches what it cannot
  // interrupt (a single long C-level call), with room for the first sympy import.
  const r = await execute(code, { timeoutMs: 30_000 + batch.length * perJobMs * 2, maxOutputChars: 1_000_000 });
  const line = r.stdout.split("\n").find((l) => l.startsWith("@@verdicts "));
  if (line) {
    const parsed = JSON.parse(line.slice("@@verdicts ".length)) as unknown;
    if (Array.isArray(parsed) && parsed.length === batch.length) return parsed.map((v) => v === true);
  }
  // The batch died as a whole: retry halves so one bad job cannot sink its neighbours.
  if (batch.length === 1) return [false];
  const mid = Math.ceil(batch.length / 2);
  return [...(await runBatch(batch.slice(0, mid), execute, perJobMs)), ...(await runBatch(batch.slice(mid), execute, perJobMs))];
}
