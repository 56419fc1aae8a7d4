/**
 * Reading `latexToSympy` output: a numeric evaluator of constant expressions (numbers, + - * / **,
 * sqrt, pi, e, functions; variables given values), and the plain-Python grammar of the symbolic layer.
 */
import { SYMBOLS } from "./latex";

export type Tok = { t: "num"; v: number; raw: string } | { t: "id"; v: string } | { t: "op"; v: string };

export function tokenize(s: string): Tok[] | undefined {
  const toks: Tok[] = [];
  const re = /\s*(?:(\d+\.?\d*(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?)|([a-zA-Z_]\w*)|(\*\*|[-+*/()!,]))/y;
  let i = 0;
  s = s.trim();
  while (i < s.length) {
    re.lastIndex = i;
    const m = re.exec(s);
    if (!m) return undefined;
    if (m[1] !== undefined) toks.push({ t: "num", v: Number(m[1]), raw: m[1] });
    else if (m[2] !== undefined) toks.push({ t: "id", v: m[2] });
    else toks.push({ t: "op", v: m[3]! });
    i = re.lastIndex;
    while (s[i] === " ") i++;
  }
  return toks;
}

export const NUM_FUNCS: Record<string, (...a: number[]) => number> = {
  sqrt: Math.sqrt, sin: Math.sin, cos: Math.cos, tan: Math.tan, exp: Math.exp, asin: Math.asin, acos: Math.acos, atan: Math.atan,
  log: (x, b) => (b === undefined ? Math.log(x) : Math.log(x) / Math.log(b)), cot: (x) => 1 / Math.tan(x), sec: (x) => 1 / Math.cos(x),
  csc: (x) => 1 / Math.sin(x), binomial: (n, k) => {
    // Beyond this the loop would run for ever (k = 10^10) and the value is no float anyway.
    if (!Number.isInteger(k) || k < 0 || k > 1000) return NaN;
    let r = 1;
    for (let j = 1; j <= k; j++) r = (r * (n - k + j)) / j;
    return r;
  },
};

export function factorial(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 170) return NaN;
  let r = 1;
  for (let k = 2; k <= n; k++) r *= k;
  return r;
}

/**
 * Value of a constant expression in `latexToSympy` output; undefined if it has symbols, except
 * those given values in `env` (single-letter names; `xy` is x times y).
 */
export function evaluateConstant(expr: string, env?: Record<string, number>): number | undefined {
  const toks = tokenize(expr);
  if (!toks || toks.length === 0) return undefined;
  let p = 0;
  const peek = () => toks[p];
  const isOp = (v: string) => {
    const t = toks[p];
    return t !== undefined && t.t === "op" && t.v === v;
  };
  const fail = (): never => {
    throw new Error("not constant");
  };
  const sum = (): number => {
    let v = product();
    while (isOp("+") || isOp("-")) v = (toks[p++]!.v === "+" ? 1 : -1) * product() + v;
    return v;
  };
  const startsPrimary = () => {
    const t = peek();
    return t !== undefined && (t.t !== "op" || t.v === "(");
  };
  const product = (): number => {
    let v = unary();
    for (;;) {
      if (isOp("*")) {
        p++;
        v *= unary();
      } else if (isOp("/")) {
        p++;
        v /= unary();
      } else if (startsPrimary()) v *= power();
      else return v;
    }
  };
  const unary = (): number => {
    if (isOp("-")) {
      p++;
      return -unary();
    }
    if (isOp("+")) {
      p++;
      return unary();
    }
    return power();
  };
  const power = (): number => {
    let base = postfix();
    if (isOp("**")) {
      p++;
      base = Math.pow(base, unary());
    }
    return base;
  };
  const postfix = (): number => {
    let v = primary();
    while (isOp("!")) {
      p++;
      v = factorial(v);
    }
    return v;
  };
  const primary = (): number => {
    const t = toks[p++];
    if (!t) return fail();
    if (t.t === "num") return t.v;
    if (t.t === "op") {
      if (t.v !== "(") return fail();
      const v = sum();
      if (!isOp(")")) return fail();
      p++;
      return v;
    }
    if (env && t.v !== "pi" && !(t.v in NUM_FUNCS && isOp("("))) {
      if (t.v in env) return env[t.v]!;
      if (/^[a-zA-Z]+$/.test(t.v) && [...t.v].every((c) => c in env || c === "e")) return [...t.v].reduce((v, c) => v * (env[c] ?? Math.E), 1);
    }
    if (t.v === "pi") return Math.PI;
    if (t.v === "e" || t.v === "E") return Math.E;
    const fn = NUM_FUNCS[t.v];
    if (!fn || !isOp("(")) return fail();
    p++;
    const args = [sum()];
    while (isOp(",")) {
      p++;
      args.push(sum());
    }
    if (!isOp(")")) return fail();
    p++;
    return fn(...args);
  };
  try {
    const v = sum();
    return p === toks.length && Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

export const PY_FUNCS = new Set([
  "sqrt", "sin", "cos", "tan", "cot", "sec", "csc", "asin", "acos", "atan", "sinh", "cosh", "tanh", "log", "exp", "Max", "Min", "gcd", "binomial",
]);
export const PY_CONSTS: Record<string, string> = { pi: "pi", E: "E", e: "E", I: "I", i: "I", oo: "oo", EmptySet: "EmptySet" };
export const GREEK = new Set(Object.values(SYMBOLS).filter((v) => /^[a-z]{3,}$/.test(v)));

/**
 * `latexToSympy` output as a plain Python expression over sympy objects (explicit `*`, exact
 * `Integer`/`Rational` literals, `_s('x')` symbols), which the symbolic layer can `eval` in a
 * fixed namespace: ~100x faster than `parse_expr` with its implicit-multiplication
 * transformations. Undefined when the text is outside this grammar (the CAS then uses
 * `parse_expr`). Multi-letter names split into single-letter symbols, as sympy's
 * `split_symbols` does.
 */
export function toPythonExpr(text: string): string | undefined {
  const raw = tokenize(text);
  if (!raw || raw.length === 0) return undefined;
  // Split `yx` into `y x` before parsing, so in `yx^2` the power binds to x alone.
  const toks = raw.flatMap((t): Tok[] =>
    t.t === "id" && /^[a-zA-Z]{2,}$/.test(t.v) && !PY_FUNCS.has(t.v) && !(t.v in PY_CONSTS) && !GREEK.has(t.v)
      ? [...t.v].map((c): Tok => ({ t: "id", v: c }))
      : [t],
  );
  let p = 0;
  const isOp = (v: string) => {
    const t = toks[p];
    return t !== undefined && t.t === "op" && t.v === v;
  };
  const fail = (): never => {
    throw new Error("outside the grammar");
  };
  const sum = (): string => {
    let v = product();
    while (isOp("+") || isOp("-")) v = `${v} ${toks[p++]!.v} ${product()}`;
    return v;
  };
  const product = (): string => {
    let v = unary();
    for (;;) {
      const t = toks[p];
      if (isOp("*") || isOp("/")) v = `${v}${toks[p++]!.v}${unary()}`;
      else if (t !== undefined && (t.t !== "op" || t.v === "(")) v = `${v}*${power()}`;
      else return v;
    }
  };
  const unary = (): string => {
    if (isOp("-") || isOp("+")) return `(${toks[p++]!.v}${unary()})`;
    return power();
  };
  const power = (): string => {
    const base = postfix();
    if (!isOp("**")) return base;
    p++;
    return `${base}**${unary()}`;
  };
  const postfix = (): string => {
    let v = primary();
    while (isOp("!")) {
      p++;
      v = `factorial(${v})`;
    }
    return v;
  };
  const primary = (): string => {
    const t = toks[p++];
    if (!t) return fail();
    if (t.t === "num") return /^\d+$/.test(t.raw) ? `Integer(${t.raw})` : `Rational('${t.raw}')`;
    if (t.t === "op") {
      if (t.v !== "(") return fail();
      const v = sum();
      if (!isOp(")")) return fail();
      p++;
      return `(${v})`;
    }
    if (PY_FUNCS.has(t.v) && isOp("(")) {
      p++;
      const args = [sum()];
      while (isOp(",")) {
        p++;
        args.push(sum());
      }
      if (!isOp(")")) return fail();
      p++;
      return `${t.v}(${args.join(", ")})`;
    }
    if (t.v in PY_CONSTS) return PY_CONSTS[t.v]!;
    if (GREEK.has(t.v) || /^[a-zA-Z]_\w+$/.test(t.v)) return `_s('${t.v}')`;
    if (!/^[a-zA-Z]+$/.test(t.v) || PY_FUNCS.has(t.v)) return fail();
    return `(${[...t.v].map((c) => PY_CONSTS[c] ?? `_s('${c}')`).join("*")})`;
  };
  try {
    const v = sum();
    return p === toks.length ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Text for sympy's parser that cannot reach Python objects: no strings, subscripts, attribute
 * access, dunders, comments, statements or lambdas. (The JS grammar's own output, `python: true`,
 * is built from tokens and never needs this.)
 */
export const PARSE_SAFE = /^[A-Za-z0-9 +\-*/^()!.,<>=_]*$/;
export function isSafeParserText(text: string): boolean {
  return PARSE_SAFE.test(text) && !text.includes("__") && !/\.[A-Za-z_]/.test(text) && !/\blambda\b/.test(text);
}
