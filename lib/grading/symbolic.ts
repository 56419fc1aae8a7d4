/**
 * Symbolic equivalence with sympy, in Python processes the grader can kill.
 *
 * **One pair per execution, the host's clock as the limit.** Each pair's jobs (its undecided
 * elements) run as one `execute` with `timeoutMs` = the per-pair limit, so the limit covers
 * parsing (sympy's parser evaluates `10**10**10` while it parses) as well as comparison, and the
 * host always knows which pair is running. At the limit the sandbox interrupts Python (the
 * namespace survives) or, when a C-level call ignores the interrupt, throws the runtime away
 * after its grace period; either way that pair is `"time limit"` and the next pair starts at
 * once. A process that lost its namespace is noticed by the next pair's code (it answers
 * `cold`) and is re-primed, or swapped for a warm spare (sympy already imported; started after
 * the first pair that hits its limit, since the import is the expensive part, 4-15 s) when
 * processes come from a factory. A pair that exhausts memory (Python's MemoryError, or the
 * sandbox's cap killing the process) is `too complex`, without a retry. There is no in-Python deadline any more: a trace hook cannot stop C code and cost ~50%.
 *
 * **Answers are data.** Several traces' answers go through one grading process, so nothing in
 * an answer may run as code there: the JS side emits either its own Python grammar (evaluated
 * in a namespace without builtins) or parser text from a character allowlist (no quotes,
 * brackets, backslashes, attribute access or dunders), parsed with a global namespace of sympy
 * constructors only (sympy's default one includes `eval`/`getattr`).
 */
import type { UngradableReason } from "@/lib/protocol";
import type { SymbolicJob } from "./math";

/** What the grader needs from a sandbox: `NodeSandbox.execute` fits. */
export type ExecuteFn = (
  code: string,
  options: { timeoutMs: number; maxOutputChars: number },
) => Promise<{ stdout: string; stderr: string; error?: string; timedOut: boolean; truncated?: boolean }>;

/** One Python process for the grader; `dispose` kills it. */
export interface GradingProcess {
  execute: ExecuteFn;
  dispose(): Promise<void>;
}

/** Default per-pair limit, as Math-Verify's. */
export const DEFAULT_PER_PAIR_MS = 5000;
/** Time allowed for a process to import sympy and define the grader (not counted per pair). */
const PRIME_TIMEOUT_MS = 120_000;

/** Outcome of one pair's jobs: all equivalent, not, or undecidable and why. */
export type SymbolicOutcome = boolean | { ungradable: UngradableReason };

export interface SymbolicGraderOptions {
  /** Wall-clock limit of one pair's parsing and comparison, in ms. Default 5000. */
  perPairMs?: number;
}

const PRELUDE = String.raw`
import json
import sympy
from sympy import Symbol, N
from sympy.parsing.sympy_parser import parse_expr, standard_transformations, implicit_multiplication_application, convert_xor, factorial_notation

_T = standard_transformations + (implicit_multiplication_application, convert_xor, factorial_notation)
_LOCALS = {c: Symbol(c) for c in "abcdfghjklmnopqrstuvwxyzABCDFGHJKLMNOPQRSTUVWXYZ"}
_LOCALS.update({"e": sympy.E, "E": sympy.E, "i": sympy.I, "I": sympy.I, "pi": sympy.pi, "oo": sympy.oo, "lamda": Symbol("lambda"), "gamma": Symbol("gamma"), "beta": Symbol("beta")})

_SYMBOLS = {}
def _s(name):
    if name not in _SYMBOLS:
        _SYMBOLS[name] = Symbol(name)
    return _SYMBOLS[name]

_NS = {"__builtins__": {}, "_s": _s, "Integer": sympy.Integer, "Rational": sympy.Rational, "factorial": sympy.factorial,
       "binomial": sympy.binomial, "pi": sympy.pi, "E": sympy.E, "I": sympy.I, "oo": sympy.oo, "EmptySet": sympy.S.EmptySet}
for _name in ["sqrt", "sin", "cos", "tan", "cot", "sec", "csc", "asin", "acos", "atan", "sinh", "cosh", "tanh", "log", "exp", "Max", "Min", "gcd"]:
    _NS[_name] = getattr(sympy, _name)
# parse_expr's own default namespace is all of sympy plus Python's builtins (eval, getattr...):
# this one holds what its transformations emit and the functions answers use, nothing else.
_PARSE_GLOBALS = dict(_NS)
del _PARSE_GLOBALS["_s"]
_PARSE_GLOBALS.update({"Symbol": Symbol, "Function": sympy.Function, "Float": sympy.Float, "factorial2": sympy.factorial2, "Abs": sympy.Abs})

def _parse(s, python):
    # JS emits plain Python over sympy objects when it can (fast eval in a namespace with no
    # builtins); anything else goes through parse_expr with implicit multiplication.
    if python:
        return sympy.sympify(eval(s, _NS))
    return parse_expr(s.replace("!=", " ne "), local_dict=dict(_LOCALS), global_dict=_PARSE_GLOBALS, transformations=_T, evaluate=True)

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

def _equal(a, b):
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
    for step in (sympy.expand, sympy.cancel, sympy.simplify):
        try:
            if step(d) == 0:
                return True
        except Exception:
            pass
    try:
        return bool(a.equals(b))
    except Exception:
        return False

def _hl_pair(jobs):
    # KeyboardInterrupt (the host's time limit) is not an Exception: it ends the execution.
    # Running out of memory or stack says the answer is too big to compare, not that it differs.
    for g, p, python in jobs:
        try:
            if not _equal(_parse(g, python), _parse(p, python)):
                return "0"
        except (MemoryError, RecursionError):
            return "big"
        except Exception:
            return "0"
    return "1"

# The first simplify/trigsimp/N of a process loads and caches a lot (~1 s): pay it here, at
# start-up, not in the first pair's time limit.
_x = Symbol("x")
for _a, _b in [(sympy.sin(_x)**2 + sympy.cos(_x)**2, sympy.Integer(1)), (sympy.cos(_x)**2 - sympy.sin(_x)**2, sympy.cos(2*_x)),
               (sympy.pi*_x**2, _x**2*sympy.pi), ((_x**2 - 4)/(_x - 2), _x + 2)]:
    _equal(_a, _b)
print("@@ready")
`;

interface Slot {
  proc: GradingProcess | undefined;
  /** The grader's functions are defined in this process's namespace. */
  primed: boolean;
}

/**
 * Where processes come from: fixed `execute` functions (a process that loses its namespace is
 * re-primed in place) or a factory, which also lets the grader keep a primed spare to swap in.
 */
export type ProcessSource = ExecuteFn | ExecuteFn[] | { create: () => GradingProcess; workers: number };

/**
 * Runs pairs' symbolic jobs on one or more Python processes, one pair per execution, each under
 * the per-pair limit. Long-lived: a CLI run, an experiment or a sweep makes one and grades
 * through it; processes start on first use.
 */
export class SymbolicGrader {
  readonly perPairMs: number;
  private readonly slots: Slot[];
  private readonly create: (() => GradingProcess) | undefined;
  private spare: { proc: GradingProcess; primed: Promise<boolean> } | undefined;
  private wantSpare = false;
  private disposed = false;
  private readonly queue: { jobs: SymbolicJob[]; resolve: (o: SymbolicOutcome) => void }[] = [];
  private readonly busy = new Set<Slot>();

  constructor(source: ProcessSource, options: SymbolicGraderOptions = {}) {
    this.perPairMs = options.perPairMs ?? DEFAULT_PER_PAIR_MS;
    if (typeof source === "function" || Array.isArray(source)) {
      const fns = Array.isArray(source) ? source : [source];
      this.slots = fns.map((execute) => ({ proc: { execute, dispose: async () => undefined }, primed: false }));
      this.create = undefined;
    } else {
      this.slots = Array.from({ length: Math.max(1, source.workers) }, () => ({ proc: undefined, primed: false }));
      this.create = source.create;
    }
  }

  /**
   * One outcome per job list, in order; identical job lists run once. Calls may overlap (an
   * experiment grades traces as they finish): all share one queue and the processes.
   */
  async check(pairs: SymbolicJob[][]): Promise<SymbolicOutcome[]> {
    const keyOf = (jobs: SymbolicJob[]) => JSON.stringify(jobs.map((j) => [j.gold, j.pred, j.python === true]));
    const unique = new Map<string, Promise<SymbolicOutcome>>();
    for (const jobs of pairs) {
      const key = keyOf(jobs);
      if (!unique.has(key)) unique.set(key, new Promise((resolve) => this.queue.push({ jobs, resolve })));
    }
    this.pump();
    const outcomes = new Map<string, SymbolicOutcome>();
    await Promise.all([...unique].map(async ([key, outcome]) => outcomes.set(key, await outcome)));
    return pairs.map((jobs) => outcomes.get(keyOf(jobs))!);
  }

  /**
   * Hand queued pairs to idle slots, primed ones first (a new process costs a sympy import). A
   * slot takes the next pair when it finishes one, so a slow pair delays only its own slot.
   */
  private pump(): void {
    const idle = this.slots.filter((s) => !this.busy.has(s)).sort((a, b) => Number(b.primed) - Number(a.primed));
    for (const slot of idle) {
      const task = this.queue.shift();
      if (!task) return;
      this.busy.add(slot);
      void this.runPair(slot, task.jobs)
        .catch((): SymbolicOutcome => ({ ungradable: "grader error" }))
        .then((outcome) => {
          this.busy.delete(slot);
          task.resolve(outcome);
          this.pump();
        });
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const procs = [...this.slots.map((s) => (this.create ? s.proc : undefined)), this.spare?.proc];
    this.spare = undefined;
    for (const s of this.slots) s.proc = undefined;
    await Promise.all(procs.map((p) => p?.dispose().catch(() => undefined)));
  }

  private async runPair(slot: Slot, jobs: SymbolicJob[]): Promise<SymbolicOutcome> {
    // A lost namespace is the grader's problem, not the pair's: re-prime and retry (bounded).
    // A process that died otherwise (crash, memory cap) gets one retry on a fresh one.
    let crashes = 0;
    for (let cold = 0; cold < 3; ) {
      if (!(await this.prime(slot))) return { ungradable: "grader error" };
      const payload = JSON.stringify(jobs.map((j) => [j.gold, j.pred, j.python === true]));
      const code = `print("@@v " + (_hl_pair(json.loads(${JSON.stringify(payload)})) if "_hl_pair" in globals() else "cold"))`;
      const r = await slot.proc!.execute(code, { timeoutMs: this.perPairMs, maxOutputChars: 10_000 });
      const answer = /^@@v (\S+)$/m.exec(r.stdout)?.[1];
      if (answer === "1" || answer === "0") return answer === "1";
      if (answer === "big") return { ungradable: "too complex" };
      if (answer === "cold") {
        cold++;
        this.lost(slot);
        continue;
      }
      // A pathological batch rarely has one bad pair: from the first, keep a primed spare ready.
      if (r.timedOut) {
        // Stopped by interrupt, the namespace survives; thrown away (error says "restarted"), it
        // did not: either way the next pair's code finds out, this one is settled.
        this.wantSpare = true;
        this.startSpare();
        if (/restarted/.test(r.error ?? "")) this.lost(slot);
        return { ungradable: "time limit" };
      }
      this.lost(slot);
      // The process was stopped at its memory cap: this pair's doing (10^{10^{10}} grows until
      // then), so no retry, which would only cost another start-up and the same end.
      if (/MemoryError/.test(r.error ?? "")) return { ungradable: "too complex" };
      if (++crashes > 1) return { ungradable: "grader error" };
    }
    return { ungradable: "grader error" };
  }

  /**
   * The slot's process lost its namespace. The sandbox has already started a fresh runtime (it
   * replaces a runtime it threw away, or a process killed at its memory cap), so the process is
   * kept and re-primed, unless a primed spare takes over first.
   */
  private lost(slot: Slot): void {
    slot.primed = false;
    if (!this.create) return;
    // From the first loss on, keep one primed process ready so the next loss costs a swap.
    this.wantSpare = true;
    this.startSpare();
  }

  private async prime(slot: Slot): Promise<boolean> {
    if (slot.primed && slot.proc) return true;
    if (this.disposed) return false;
    // A spare started before this loss is further along than priming here from scratch.
    if (this.spare) {
      const spare = this.spare;
      this.spare = undefined;
      if (await spare.primed) {
        void slot.proc?.dispose().catch(() => undefined);
        slot.proc = spare.proc;
        slot.primed = true;
        this.startSpare();
        return true;
      }
      void spare.proc.dispose().catch(() => undefined);
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      slot.proc ??= this.create?.();
      if (!slot.proc) return false;
      if (await primeProcess(slot.proc)) {
        slot.primed = true;
        this.startSpare();
        return true;
      }
      if (!this.create) return false;
      void slot.proc.dispose().catch(() => undefined);
      slot.proc = undefined;
    }
    return false;
  }

  private startSpare(): void {
    if (!this.create || !this.wantSpare || this.spare || this.disposed) return;
    const proc = this.create();
    this.spare = { proc, primed: primeProcess(proc) };
  }
}

async function primeProcess(proc: GradingProcess): Promise<boolean> {
  try {
    const r = await proc.execute(PRELUDE, { timeoutMs: PRIME_TIMEOUT_MS, maxOutputChars: 10_000 });
    return r.stdout.includes("@@ready");
  } catch {
    return false;
  }
}
