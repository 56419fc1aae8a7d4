/**
 * Math answer equivalence, the fast layer. An answer is normalised (delimiters, `\text{}`,
 * units, degrees, percent, thousands separators), split into its structure (tuple, interval,
 * set, list, matrix, multiple-choice letter) and each element is turned into sympy-parsable
 * text. Elements that are plain numbers (incl. fractions, roots, π) are compared here;
 * elements with symbols are returned as jobs for a CAS (`symbolic.ts` runs them with sympy).
 *
 * **Bounded by construction, not by a deadline.** This layer also runs synchronously in the
 * browser (the playground's quick verdict), where no worker can be killed, and a worker per pair
 * would cost more than the comparison itself. So its cost is bounded up front: answers longer
 * than `MAX_ANSWER_CHARS` or nested deeper than `MAX_NESTING` are not compared at all
 * (`ungradable: too complex`); whitespace runs are collapsed first, so no regex here can
 * backtrack over them, and the regexes that could backtrack over other runs (trailing dots or
 * dollars, unit words) are replaced by loops or run on a bounded tail; recursion follows bracket
 * nesting only (capped) and the evaluators catch stack overflows; the numeric evaluator's only
 * loops (factorial, binomial) are capped; sets match elements by canonical key and sorted value
 * before any pairwise comparison, and pairwise only for a capped leftover. Each step is then
 * O(length × nesting). `math.adversarial.test.ts` runs the worst inputs we know of at full size.
 */

/** A pair of sympy-parsable expressions whose equivalence the fast layer cannot decide. */
export interface SymbolicJob {
  gold: string;
  pred: string;
  /** Both sides are `toPythonExpr` output (eval them); otherwise `parse_expr` text. */
  python?: true;
}

/**
 * `true`/`false` when decided here; `{ jobs }`: every listed job must be equivalent (the CAS
 * decides); `{ ungradable }`: the answer is too large for the grader to compare.
 */
export type FastVerdict = boolean | { jobs: SymbolicJob[] } | { ungradable: "too complex" };

/** Longest answer compared (a 10,000-element set of numbers is ~60,000 characters). */
export const MAX_ANSWER_CHARS = 200_000;
/** Deepest bracket/brace nesting compared (recursion below follows nesting). */
export const MAX_NESTING = 100;
/** Set elements left after key and value matching that are compared pairwise (k² comparisons). */
const PAIRWISE_MAX = 64;
/** Unit words are looked for in this many trailing characters only (see `stripUnitTail`). */
const UNIT_TAIL_WINDOW = 300;

const UNIT_WORDS = [
  "degrees?", "deg", "cm", "centimeters?", "m", "meters?", "km", "kilometers?", "mm", "inch(?:es)?", "in", "feet", "foot", "ft",
  "yards?", "miles?", "mph", "units?", "square", "sq", "cubic", "dollars?", "cents?", "seconds?", "secs?", "s", "minutes?", "mins?",
  "hours?", "hrs?", "days?", "weeks?", "months?", "years?", "points?", "people", "students?", "ways?", "times", "grams?", "g", "kg",
  "pounds?", "lbs?", "ounces?", "oz", "liters?", "ml", "gallons?", "percent", "p\\.m\\.", "a\\.m\\.", "pm", "am", "rad(?:ians)?",
  "boxes", "cups?", "pieces?", "coins?", "marbles?", "books?", "eggs?", "pages?", "apples?", "balls?", "cars?", "numbers?",
  "integers?", "digits?", "outfits?", "games?", "handshakes?", "triangles?", "squares?", "edges?", "faces?", "vertices",
];
const UNIT_TAIL = new RegExp(`(?:\\s*\\b(?:${UNIT_WORDS.join("|")})\\b(?:\\s*\\^\\{?[23]\\}?)?\\.?)+\\s*$`, "i");

/**
 * `s` without a trailing unit phrase. The unit regex can backtrack quadratically over a long run
 * of unit-like words, so it only sees the last UNIT_TAIL_WINDOW characters, cut at a space so a
 * word is never split (a real unit tail is a few words).
 */
function stripUnitTail(s: string): string {
  if (s.length <= UNIT_TAIL_WINDOW) return s.replace(UNIT_TAIL, "");
  const cut = s.indexOf(" ", s.length - UNIT_TAIL_WINDOW);
  if (cut === -1) return s;
  return s.slice(0, cut) + s.slice(cut).replace(UNIT_TAIL, "");
}

/** `s` without trailing characters in `chars` (a loop: `/[.\s]+$/` backtracks quadratically). */
function trimEndChars(s: string, chars: string): string {
  let end = s.length;
  while (end > 0 && chars.includes(s[end - 1]!)) end--;
  return s.slice(0, end);
}

/** Deepest nesting of (), [], {} (unclosed openers count). */
function nestingDepth(s: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 40 || c === 91 || c === 123) max = Math.max(max, ++depth);
    else if (c === 41 || c === 93 || c === 125) depth = Math.max(0, depth - 1);
  }
  return max;
}

/** Index of the brace closing the one opened just before `open` (or -1). */
function closeBrace(s: string, open: number): number {
  let depth = 1;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i;
  }
  return -1;
}

/** Replace `\cmd{X}` by fn(X) for every occurrence (nested braces respected). */
function replaceCommandArg(s: string, cmd: RegExp, fn: (inner: string) => string): string {
  for (let guard = 0; guard < 200; guard++) {
    const m = cmd.exec(s);
    if (!m) return s;
    const open = m.index + m[0].length;
    const close = closeBrace(s, open);
    if (close === -1) return s;
    s = s.slice(0, m.index) + fn(s.slice(open, close)) + s.slice(close + 1);
  }
  return s;
}

export interface NormalizedAnswer {
  text: string;
  percent: boolean;
}

/** Remove formatting that never changes the value of an answer. */
export function normalizeAnswerText(answer: string): NormalizedAnswer {
  // Collapsing whitespace first means no `\s*` below can backtrack over a long run.
  let s = answer.replace(/\s+/g, " ").trim();
  s = s.replace(/^\\\[|\\\]$/g, "").replace(/^\\\(|\\\)$/g, "");
  s = trimEndChars(s.replace(/^\$+/, ""), "$").trim();
  s = s.replace(/\\displaystyle|\\left|\\right|\\big|\\Big|\\bigg|\\Bigg/g, "");
  s = s.replace(/\\[dt]frac/g, "\\frac").replace(/\\mbox\s*\{/g, "\\text{");
  s = s.replace(/\\(?:textbf|mathbf|textit|mathit|mathrm|boldsymbol|operatorname|textnormal|mathnormal)\s*\{/g, "\\text{");
  s = s.replace(/\\!/g, "").replace(/(?<!\\)\\[,;:> ]|~/g, " ").replace(/\\quad|\\qquad/g, " ");
  s = s.replace(/\^\s*\{?\s*\\circ\s*\}?|°|\\degree/g, "");
  let percent = false;
  if (/\\?%/.test(s)) {
    percent = true;
    s = s.replace(/\\?%/g, "");
  }
  s = s.replace(/\\\$/g, "").replace(/\$/g, "");
  // "or"/"and" between answers are list separators; a final period ends a sentence.
  s = s.replace(/\\text\{\s*(?:or|and)\s*\}/gi, ",").replace(/\s+(?:or|and)\s+/g, ", ");
  const whole = /^\\text\s*\{/.exec(s);
  if (whole && closeBrace(s, whole[0].length) === s.length - 1) s = s.slice(whole[0].length, -1).trim();
  // \text{} left after a value is a unit (e.g. `5\text{ cm}`); inside, keep words that stand alone.
  s = replaceCommandArg(s, /\\text\s*\{/, (inner) => (/^\s*[a-zA-Z][a-zA-Z .]*$/.test(inner) ? ` ${inner.trim()} ` : inner));
  s = trimEndChars(s.trim(), ". ");
  for (let i = 0; i < 3; i++) {
    const before = s;
    const stripped = stripUnitTail(s);
    if (/[0-9})]/.test(stripped.slice(-1))) s = stripped.trim();
    if (s === before) break;
  }
  s = s.replace(/(\d)\s*\{,\}\s*(?=\d{3})/g, "$1");
  // Thousands separators ("7,425,000", "7\,425\,000" became spaces above) only when the
  // whole answer is that number: "(100,200)" is a pair.
  if (/^-?\d{1,3}(?:(?:,| )\d{3})+(?:\.\d+)?$/.test(s)) s = s.replace(/[, ]/g, "");
  return { text: s.replace(/\s+/g, " ").trim(), percent };
}

/** Split at commas (or `sep`) that are not nested in brackets or braces. */
function splitTop(s: string, sep: RegExp = /,/y): string[] {
  const out: string[] = [];
  let depth = 0;
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "\\" && (s[i + 1] === "{" || s[i + 1] === "}")) {
      depth += s[i + 1] === "{" ? 1 : -1;
      i++;
      continue;
    }
    if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
    else if (depth === 0) {
      sep.lastIndex = i;
      const m = sep.exec(s);
      if (m) {
        out.push(s.slice(last, i));
        last = i + m[0].length;
        i = last - 1;
      }
    }
  }
  out.push(s.slice(last));
  return out.map((x) => x.trim());
}

/** Whether the brackets at s[0] and s[end] enclose the whole string as one group. */
function enclosed(s: string, open: string, close: string): boolean {
  if (!open.includes(s[0]!) || !close.includes(s.at(-1)!)) return false;
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
    if (depth === 0 && i < s.length - 1) return false;
  }
  return true;
}

type Node =
  | { kind: "choice"; letter: string }
  | { kind: "scalar"; text: string }
  | { kind: "tuple"; open: string; close: string; items: Node[] }
  | { kind: "set"; items: Node[] }
  | { kind: "union"; items: Node[] }
  | { kind: "relation"; lhs: string; op: string; rhs: string };

/** Drop a leading `x =` / `f(x) =` that only names the answer. */
function stripLhs(s: string): string {
  const m = /^\s*(?:[a-zA-Z](?:_\{?\w+\}?)?(?:\([a-z, ]*\))?|\\[a-zA-Z]+)\s*(?:=(?!=)|\\in\b)\s*/.exec(s);
  if (m && !s.slice(m[0].length).includes("=")) return s.slice(m[0].length);
  return s;
}

function parseStructure(s: string, top: boolean, keepLhs = false): Node {
  s = (keepLhs ? s : stripLhs(s)).trim();
  const choice = /^\(?([A-E])\)?(?:\s|$|\s*[:.]\s)/.exec(s + " ");
  if (top && choice && (s.length <= 3 || /^\([A-E]\)/.test(s))) return { kind: "choice", letter: choice[1]! };
  const unionParts = splitTop(s, /\\cup/y);
  if (unionParts.length > 1) return { kind: "union", items: unionParts.map((p) => parseStructure(p, false)) };
  const mat = /^\\begin\{[pbvBV]?matrix\}([\s\S]*)\\end\{[pbvBV]?matrix\}$/.exec(s);
  if (mat) {
    const rows = mat[1]!.split(/\\\\/).map((r) => r.trim()).filter(Boolean);
    const rowNodes = rows.map((r): Node => {
      const cells = r.split("&").map((c) => parseStructure(c, false));
      return cells.length === 1 ? cells[0]! : { kind: "tuple", open: "(", close: ")", items: cells };
    });
    return { kind: "tuple", open: "(", close: ")", items: rowNodes };
  }
  if (s.startsWith("\\{") && s.endsWith("\\}")) {
    return { kind: "set", items: splitTop(s.slice(2, -2)).filter(Boolean).map((p) => parseStructure(stripLhs(p), false)) };
  }
  if (s.length > 2 && enclosed(s, "([", ")]")) {
    const parts = splitTop(s.slice(1, -1));
    if (parts.length > 1) return { kind: "tuple", open: s[0]!, close: s.at(-1)!, items: parts.map((p) => parseStructure(stripLhs(p), false)) };
  }
  const parts = splitTop(s);
  if (parts.length > 1) return { kind: "set", items: parts.filter(Boolean).map((p) => parseStructure(stripLhs(p), false)) };
  // `a \pm b` is the two answers a + b and a - b.
  const pm = s.split(/\\pm|\\mp/);
  if (pm.length === 2) return { kind: "set", items: ["+", "-"].map((op): Node => ({ kind: "scalar", text: stripLhs(`${pm[0]}${op}${pm[1]}`) })) };
  const stripped = keepLhs ? s : stripLhs(s);
  const rel = /^(.*?)(\\leq?|\\geq?|\\neq|<=|>=|<|>|\\lt|\\gt|=)(.*)$/.exec(stripped);
  if (rel && rel[1]!.trim() && rel[3]!.trim()) return { kind: "relation", lhs: rel[1]!.trim(), op: rel[2]!, rhs: rel[3]!.trim() };
  return { kind: "scalar", text: stripped };
}

const FUNCS: Record<string, string> = {
  sin: "sin", cos: "cos", tan: "tan", cot: "cot", sec: "sec", csc: "csc", arcsin: "asin", arccos: "acos", arctan: "atan",
  sinh: "sinh", cosh: "cosh", tanh: "tanh", ln: "log", log: "log", exp: "exp", max: "Max", min: "Min", gcd: "gcd",
};
const SYMBOLS: Record<string, string> = {
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
      if (g === undefined || !/^\w+$/.test(g)) return undefined;
      out += `_${g}`;
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

type Tok = { t: "num"; v: number; raw: string } | { t: "id"; v: string } | { t: "op"; v: string };

function tokenize(s: string): Tok[] | undefined {
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

const NUM_FUNCS: Record<string, (...a: number[]) => number> = {
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

function factorial(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 170) return NaN;
  let r = 1;
  for (let k = 2; k <= n; k++) r *= k;
  return r;
}

/** Value of a constant expression in `latexToSympy` output; undefined if it has symbols. */
export function evaluateConstant(expr: string): number | undefined {
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

/**
 * Equal up to float noise, or equal when both are rounded to 6 decimals (Math-Verify's
 * `float_rounding`): `0.333333` matches `\frac13`, `3.14159` does not match `\pi`.
 */
const PY_FUNCS = new Set([
  "sqrt", "sin", "cos", "tan", "cot", "sec", "csc", "asin", "acos", "atan", "sinh", "cosh", "tanh", "log", "exp", "Max", "Min", "gcd", "binomial",
]);
const PY_CONSTS: Record<string, string> = { pi: "pi", E: "E", e: "E", I: "I", i: "I", oo: "oo", EmptySet: "EmptySet" };
const GREEK = new Set(Object.values(SYMBOLS).filter((v) => /^[a-z]{3,}$/.test(v)));

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
const PARSE_SAFE = /^[A-Za-z0-9 +\-*/^()!.,<>=_]*$/;
export function isSafeParserText(text: string): boolean {
  return PARSE_SAFE.test(text) && !text.includes("__") && !/\.[A-Za-z_]/.test(text) && !/\blambda\b/.test(text);
}

function closeNumbers(a: number, b: number): boolean {
  if (Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b))) return true;
  return Math.abs(a) < 1e9 && Math.round(a * 1e6) === Math.round(b * 1e6);
}

function scalarText(s: string): string {
  return s.replace(/\s+/g, "").replace(/\\frac(\d)(\d)/g, "\\frac{$1}{$2}");
}

interface Side {
  node: Node;
  percent: boolean;
}

function compareScalar(gold: string, pred: string, g: Side, p: Side): FastVerdict {
  if (scalarText(gold) === scalarText(pred)) return true;
  // A word answer ("Tuesday", "Anna", "odd") is text, not a product of single-letter symbols.
  const word = /^[a-zA-Z]{3,}$/;
  if (word.test(gold.trim()) || word.test(pred.trim())) {
    if (!/^(?:pi|infty)$/.test(gold.trim()) && !/^(?:pi|infty)$/.test(pred.trim())) return gold.trim().toLowerCase() === pred.trim().toLowerCase();
  }
  const gs = latexToSympy(gold);
  const ps = latexToSympy(pred);
  if (gs === undefined || ps === undefined) {
    // Words (names, "\text{Monday}") compare as text, case-insensitively.
    return gold.replace(/\W/g, "").toLowerCase() === pred.replace(/\W/g, "").toLowerCase() && /\w/.test(gold);
  }
  // Two integers are equal only digit for digit: as doubles, 12345678901234567891 and …890 are
  // one value, and the relative tolerance below would even match 1000000001 with 1000000002.
  const integer = /^[+-]?\d+$/;
  if (g.percent === p.percent && integer.test(gs) && integer.test(ps)) return BigInt(gs) === BigInt(ps);
  const gv = evaluateConstant(gs);
  const pv = evaluateConstant(ps);
  if (gv !== undefined && pv !== undefined) {
    if (closeNumbers(gv, pv)) return true;
    // A percentage may be given as a fraction of one (or the reverse).
    if (g.percent !== p.percent) return closeNumbers(g.percent ? gv / 100 : gv, p.percent ? pv / 100 : pv);
    return false;
  }
  const gp = toPythonExpr(gs);
  const pp = toPythonExpr(ps);
  if (gp !== undefined && pp !== undefined) return { jobs: [{ gold: gp, pred: pp, python: true }] };
  // Text outside what the CAS may safely parse is no math answer sympy could read anyway.
  if (!isSafeParserText(gs) || !isSafeParserText(ps)) return false;
  return { jobs: [{ gold: gs, pred: ps }] };
}

function relationOp(op: string): string {
  return { "\\le": "<=", "\\leq": "<=", "\\ge": ">=", "\\geq": ">=", "\\lt": "<", "\\gt": ">", "\\neq": "!=" }[op] ?? op;
}

function and(verdicts: FastVerdict[]): FastVerdict {
  const jobs: SymbolicJob[] = [];
  let ungradable: FastVerdict | undefined;
  for (const v of verdicts) {
    if (v === false) return false;
    if (v === true) continue;
    if ("ungradable" in v) ungradable = v;
    else for (const j of v.jobs) jobs.push(j);
  }
  return ungradable ?? (jobs.length === 0 ? true : { jobs });
}

function compareNodes(g: Node, p: Node, gs: Side, ps: Side): FastVerdict {
  if (g.kind === "choice" || p.kind === "choice") {
    if (g.kind === "choice" && p.kind === "choice") return g.letter === p.letter;
    return false;
  }
  if (g.kind === "scalar" && p.kind === "scalar") return compareScalar(g.text, p.text, gs, ps);
  // An equation against a bare value is judged by its last side ("180 + 24 = 204" vs "204").
  const lastSide = (n: Node): Node => (n.kind === "relation" && n.op === "=" ? { kind: "scalar", text: n.rhs.split("=").at(-1)!.trim() } : n);
  if ((g.kind === "relation") !== (p.kind === "relation") && (g.kind === "scalar" || p.kind === "scalar")) {
    const gl = lastSide(g);
    const pl = lastSide(p);
    return gl.kind === "scalar" && pl.kind === "scalar" ? compareScalar(gl.text, pl.text, gs, ps) : false;
  }
  if (g.kind === "relation" && p.kind === "relation") {
    if (relationOp(g.op) !== relationOp(p.op)) return false;
    const l = latexToSympy(g.lhs);
    const r = latexToSympy(g.rhs);
    const pl = latexToSympy(p.lhs);
    const pr = latexToSympy(p.rhs);
    if ([l, r, pl, pr].includes(undefined)) return scalarText(`${g.lhs}${g.op}${g.rhs}`) === scalarText(`${p.lhs}${p.op}${p.rhs}`);
    return and([compareScalar(g.lhs, p.lhs, gs, ps), compareScalar(g.rhs, p.rhs, gs, ps)]);
  }
  if (g.kind === "union" && p.kind === "union") {
    if (g.items.length !== p.items.length) return false;
    return and(g.items.map((x, k) => compareNodes(x, p.items[k]!, gs, ps)));
  }
  if (g.kind === "tuple" && p.kind === "tuple") {
    if (g.items.length !== p.items.length || g.open !== p.open || g.close !== p.close) return false;
    return and(g.items.map((x, k) => compareNodes(x, p.items[k]!, gs, ps)));
  }
  // `\{0\}` against `0`: a one-element set is its element.
  if (g.kind === "set" && g.items.length === 1 && p.kind === "scalar") return compareNodes(g.items[0]!, p, gs, ps);
  if (p.kind === "set" && p.items.length === 1 && g.kind === "scalar") return compareNodes(g, p.items[0]!, gs, ps);
  const items = (n: Node): Node[] | undefined => (n.kind === "set" ? n.items : n.kind === "tuple" && n.open === "(" ? n.items : undefined);
  const gi = items(g);
  const pi = items(p);
  if (gi && pi && (g.kind === "set" || p.kind === "set")) {
    if (gi.length !== pi.length) return false;
    return compareUnordered(gi, pi, gs, ps);
  }
  return false;
}

/**
 * Canonical text of a node: equal keys mean `compareNodes` would say equal (the converse does
 * not hold). Set elements are sorted, so `\{1,2\}` and `\{2,1\}` share a key.
 */
function nodeKey(n: Node): string {
  switch (n.kind) {
    case "choice":
      return `c${n.letter}`;
    case "scalar":
      return `s${scalarText(n.text)}`;
    case "relation":
      return `r${scalarText(n.lhs)}\u0001${n.op}\u0001${scalarText(n.rhs)}`;
    case "tuple":
      return `t${n.open}${n.items.map(nodeKey).join("\u0002")}${n.close}`;
    case "set":
      return `S{${n.items.map(nodeKey).sort().join("\u0002")}}`;
    case "union":
      return `U(${n.items.map(nodeKey).join("\u0002")})`;
  }
}

/** Value of a scalar node that is a plain constant, else undefined. */
function constantValue(n: Node): number | undefined {
  if (n.kind !== "scalar") return undefined;
  const text = latexToSympy(n.text);
  return text === undefined ? undefined : evaluateConstant(text);
}

/**
 * Multiset equality of set elements in O(n log n) before anything quadratic: elements with the
 * same canonical key pair off through a map, constants pair off by sorted value (within
 * `closeNumbers`), and only what is left is compared pairwise — up to PAIRWISE_MAX of them;
 * beyond that, leftovers that are all constants cannot match (false), others go to the CAS in the
 * given order (bounded by the per-pair time limit there).
 */
function compareUnordered(gi: Node[], pi: Node[], gs: Side, ps: Side): FastVerdict {
  const byKey = new Map<string, number[]>();
  pi.forEach((y, j) => {
    const k = nodeKey(y);
    const list = byKey.get(k);
    if (list) list.push(j);
    else byKey.set(k, [j]);
  });
  let golds: Node[] = [];
  const usedPred = new Set<number>();
  for (const x of gi) {
    const j = byKey.get(nodeKey(x))?.pop();
    if (j === undefined) golds.push(x);
    else usedPred.add(j);
  }
  let preds = pi.filter((_, j) => !usedPred.has(j));
  if (golds.length === 0) return true;
  // A percent on one side only rescales values: leave those to the element comparison.
  if (gs.percent === ps.percent && golds.length > 1) {
    const valued = (nodes: Node[]) => nodes.map((node) => ({ node, v: constantValue(node) }));
    const gv = valued(golds);
    const pv = valued(preds);
    const gNum = gv.filter((e) => e.v !== undefined).sort((a, b) => a.v! - b.v!);
    const pNum = pv.filter((e) => e.v !== undefined).sort((a, b) => a.v! - b.v!);
    const matched = new Set<Node>();
    for (let a = 0, b = 0; a < gNum.length && b < pNum.length; ) {
      const x = gNum[a]!;
      const y = pNum[b]!;
      if (closeNumbers(x.v!, y.v!)) {
        matched.add(x.node).add(y.node);
        a++;
        b++;
      } else if (x.v! < y.v!) a++;
      else b++;
    }
    golds = golds.filter((n) => !matched.has(n));
    preds = preds.filter((n) => !matched.has(n));
    if (golds.length === 0) return true;
    if (golds.length > PAIRWISE_MAX && gv.every((e) => e.v !== undefined) && pv.every((e) => e.v !== undefined)) return false;
  }
  // Pairwise for a small leftover: match each gold element to a decided-equal predicted one.
  const used = new Set<number>();
  const unmatched: Node[] = [];
  if (golds.length <= PAIRWISE_MAX) {
    for (const x of golds) {
      const k = preds.findIndex((y, j) => !used.has(j) && compareNodes(x, y, gs, ps) === true);
      if (k === -1) unmatched.push(x);
      else used.add(k);
    }
  } else unmatched.push(...golds);
  // What stays undecided is checked in the given order by the CAS.
  const rest = preds.filter((_, j) => !used.has(j));
  const pending: FastVerdict[] = [];
  for (let k = 0; k < unmatched.length; k++) {
    const v = compareNodes(unmatched[k]!, rest[k]!, gs, ps);
    if (v === false && rest.length === 1) return false;
    pending.push(v);
  }
  return and(pending);
}

/** Compare two extracted answers; symbolic cases come back as jobs for the CAS. */
export function compareAnswers(gold: string, pred: string): FastVerdict {
  if (gold.length > MAX_ANSWER_CHARS || pred.length > MAX_ANSWER_CHARS) return gold === pred || { ungradable: "too complex" };
  if (nestingDepth(gold) > MAX_NESTING || nestingDepth(pred) > MAX_NESTING) return (gold.trim() === pred.trim() && gold.trim() !== "") || { ungradable: "too complex" };
  const g = normalizeAnswerText(gold);
  const p = normalizeAnswerText(pred);
  if (!g.text || !p.text) return false;
  if (g.text === p.text) return true;
  // `x = 3` matches `3`, but `y = 3` against `x = 3` compares the whole equations.
  const namedEquation = /^\s*[a-zA-Z](?:_\{?\w+\}?)?\s*=(?!=)[^,=]*$/;
  const keepLhs = namedEquation.test(g.text) && namedEquation.test(p.text);
  const gs: Side = { node: parseStructure(g.text, true, keepLhs), percent: g.percent };
  const ps: Side = { node: parseStructure(p.text, true, keepLhs), percent: p.percent };
  return compareNodes(gs.node, ps.node, gs, ps);
}
