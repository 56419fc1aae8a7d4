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
      // The space ends the name: `F_{n+1}F_n` is two symbols.
      out += `_${name} `;
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
