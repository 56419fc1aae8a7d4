/** LaTeX to sympy text, a numeric evaluator of constant expressions, and the Python grammar of the symbolic layer. */
import { closeBrace } from "./text";

export const FUNCS: Record<string, string> = {
  sin: "sin", cos: "cos", tan: "tan", cot: "cot", sec: "sec", csc: "csc", arcsin: "asin", arccos: "acos", arctan: "atan",
  sinh: "sinh", cosh: "cosh", tanh: "tanh", ln: "log", log: "log", exp: "exp", max: "Max", min: "Min", gcd: "gcd",
};
export const SYMBOLS: Record<string, string> = {
  pi: "pi", infty: "oo", infinity: "oo", cdot: "*", times: "*", div: "/", ast: "*", le: "<=", leq: "<=", ge: ">=", geq: ">=",
  lt: "<", gt: ">", neq: "!=", pm: "+", mp: "-", emptyset: "EmptySet", varnothing: "EmptySet", alpha: "alpha", beta: "beta",
  gamma: "gamma", theta: "theta", phi: "phi", lambda: "lamda", mu: "mu", sigma: "sigma", omega: "omega", tau: "tau", rho: "rho",
  delta: "delta", epsilon: "epsilon", varepsilon: "epsilon", varphi: "phi", circ: "",
};

/**
 * LaTeX (one element of an answer) to text sympy's `parse_expr` reads with implicit
 * multiplication; undefined when it holds a construct this does not translate.
 */
export function latexToSympy(latex: string): string | undefined {
  // A mixed number (`2\frac{1}{3}`) is a sum, not a product.
  const mixed = /^(-?)(\d+)\s*\\frac\s*\{(\d+)\}\s*\{(\d+)\}$/.exec(latex.trim());
  if (mixed) return `${mixed[1]}(${mixed[2]}+${mixed[3]}/${mixed[4]})`;
  let s = latex;
  let out = "";
  let i = 0;
  const group = (): string | undefined => {
    while (s[i] === " ") i++;
    if (s[i] === "{") {
      const close = closeBrace(s, i + 1);
      if (close === -1) return undefined;
      const inner = latexToSympy(s.slice(i + 1, close));
      i = close + 1;
      return inner;
    }
    if (s[i] === "\\") {
      const m = /^\\[a-zA-Z]+/.exec(s.slice(i));
      if (!m) return undefined;
      i += m[0].length;
      return latexToSympy(m[0]);
    }
    const c = s[i];
    if (c === undefined) return undefined;
    i++;
    return c;
  };
  s = s.replace(/\\(?:text|mathrm)\s*\{([^{}]*)\}/g, "$1");
  while (i < s.length) {
    const c = s[i]!;
    if (c === "\\") {
      const m = /^\\([a-zA-Z]+|.)/.exec(s.slice(i))!;
      const name = m[1]!;
      i += m[0].length;
      if (name === "frac" || name === "cfrac") {
        const a = group();
        const b = group();
        if (a === undefined || b === undefined) return undefined;
        out += ` ((${a})/(${b}))`;
      } else if (name === "binom") {
        const a = group();
        const b = group();
        if (a === undefined || b === undefined) return undefined;
        out += ` binomial(${a},${b})`;
      } else if (name === "sqrt") {
        let index: string | undefined;
        if (s[i] === "[") {
          const close = s.indexOf("]", i);
          if (close === -1) return undefined;
          index = latexToSympy(s.slice(i + 1, close));
          i = close + 1;
        }
        const a = group();
        if (a === undefined) return undefined;
        out += index === undefined ? ` sqrt(${a})` : ` ((${a})**(1/(${index})))`;
      } else if (name in FUNCS) {
        // `\log_{2} 8` is log base 2; a bare `\sin x` takes the next token as its argument.
        let base: string | undefined;
        if (s[i] === "_") {
          i++;
          base = group();
        }
        let pow = "";
        if (s[i] === "^") {
          i++;
          pow = `**(${group()})`;
        }
        while (s[i] === " ") i++;
        let arg: string | undefined;
        if (s[i] === "(" || s[i] === "{") {
          const open = s[i]!;
          const closeCh = open === "(" ? ")" : "}";
          let depth = 0;
          let j = i;
          for (; j < s.length; j++) {
            if (s[j] === open) depth++;
            else if (s[j] === closeCh && --depth === 0) break;
          }
          arg = latexToSympy(s.slice(i + 1, j));
          i = j + 1;
        } else {
          // `\sin 2x` is sin(2x), as latex2sympy reads it.
          const m2 = /^(?:\\[a-zA-Z]+|[0-9.]*[a-zA-Z]|[0-9.]+)/.exec(s.slice(i));
          if (!m2) return undefined;
          let end = i + m2[0].length;
          // A command argument brings its brace groups along (`\tan\frac{\pi}{4}`).
          while (m2[0].startsWith("\\") && s[end] === "{") end = closeBrace(s, end + 1) + 1;
          if (end === 0) return undefined;
          arg = latexToSympy(s.slice(i, end));
          i = end;
        }
        if (arg === undefined) return undefined;
        const fn = FUNCS[name]!;
        // Leading spaces keep `i\sqrt{3}` from gluing into one name.
        out += base !== undefined ? ` (log(${arg},${base}))${pow}` : ` (${fn}(${arg}))${pow}`;
      } else if (name in SYMBOLS) {
        out += ` ${SYMBOLS[name]} `;
      } else if (name === "{" || name === "}") {
        out += name === "{" ? "(" : ")";
      } else return undefined;
    } else if (c === "^") {
      i++;
      const g = group();
      if (g === undefined) return undefined;
      out += `**(${g})`;
    } else if (c === "_") {
      i++;
      const g = group();
      if (g === undefined) return undefined;
      // A compound subscript (`F_{n-k-1}`) names one symbol: spelled out so that it stays one
      // name for sympy (`F_nmkm1`), and products of such symbols compare in any order.
      const name = g.replace(/\s+/g, "").replace(/[()]/g, "").replace(/-/g, "m").replace(/\+/g, "p").replace(/\*/g, "t").replace(/\//g, "d");
      if (!/^\w+$/.test(name)) return undefined;
      out += `_${name}`;
    } else if (c === "{") {
      const close = closeBrace(s, i + 1);
      if (close === -1) return undefined;
      const inner = latexToSympy(s.slice(i + 1, close));
      if (inner === undefined) return undefined;
      out += `(${inner})`;
      i = close + 1;
    } else if (/[\w.+\-*/() !\s]/.test(c)) {
      out += c === "!" ? "!" : c;
      i++;
    } else if (c === "'" || c === "|" || c === "&" || c === "[" || c === "]") {
      return undefined;
    } else {
      out += c;
      i++;
    }
  }
  return out.replace(/\s+/g, " ").trim();
}

// ---- numeric evaluation of constant expressions (numbers, + - * / **, sqrt, pi, e, functions)

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
