/**
 * Symbolic equivalence with sympy, run by an injected `execute` (the Node or browser Pyodide
 * sandbox): many jobs per execution, one JSON line of verdicts back. Each job has its own
 * deadline, enforced by a trace hook on Python calls (Pyodide has no `signal.setitimer`), so a
 * pathological `simplify` costs its pair, not the batch.
 */
import type { SymbolicJob } from "./math";

/** What the grader needs from a sandbox: `NodeSandbox.execute` fits. */
export type ExecuteFn = (
  code: string,
  options: { timeoutMs: number; maxOutputChars: number },
) => Promise<{ stdout: string; stderr: string; error?: string; timedOut: boolean }>;

export interface SymbolicOptions {
  /** Per-job limit inside Python. Default 2000 ms. */
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

def _parse(s):
    return parse_expr(s.replace("!=", " ne "), local_dict=_LOCALS, transformations=_T, evaluate=True)

def _equal(a, b):
    if a == b:
        return True
    try:
        d = simplify(a - b)
        if d == 0:
            return True
        if d.is_number and d.is_finite is not False:
            v = complex(N(d, 30))
            return abs(v) < 1e-9 * max(1.0, abs(complex(N(a, 30))))
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

def _job(g, p):
    a = _parse(g)
    b = _parse(p)
    return _equal(a, b)

def _run(jobs, seconds):
    out = []
    for g, p in jobs:
        try:
            out.append(bool(_with_deadline(lambda: _job(g, p), seconds)))
        except KeyboardInterrupt:
            raise
        except BaseException:
            out.append(False)
    return out
`;

/** Decide every job with sympy; a job that errors or runs out of time counts as not equivalent. */
export async function checkSymbolic(jobs: SymbolicJob[], execute: ExecuteFn, options: SymbolicOptions = {}): Promise<boolean[]> {
  const perJobMs = options.perJobMs ?? 2000;
  const batchSize = options.batchSize ?? 200;
  const results: boolean[] = [];
  for (let start = 0; start < jobs.length; start += batchSize) {
    const batch = jobs.slice(start, start + batchSize);
    results.push(...(await runBatch(batch, execute, perJobMs)));
  }
  return results;
}

async function runBatch(batch: SymbolicJob[], execute: ExecuteFn, perJobMs: number): Promise<boolean[]> {
  const payload = JSON.stringify(batch.map((j) => [j.gold, j.pred]));
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
