/**
 * Equations and inequalities with the same solution set. `L = R` is `L - R = 0`, so two
 * equations have the same solutions when one difference is a nonzero constant multiple of the
 * other (`2x+4y-3=0` and `y=-\frac12x+\frac34`; `x^2/4+y^2/3=1` and `x^2/16+y^2/12=1/4`); an
 * inequality is `f < 0` / `f <= 0` after moving everything to one side, and the multiple must be
 * positive. Decided numerically at fixed irrational-looking points, so only for differences the
 * JS evaluator reads (polynomials, roots, the usual functions); anything else is undecided here.
 */
import { latexToSympy } from "./latex";
import { evaluateConstant, NUM_FUNCS, tokenize } from "./evaluate";

/** Values for the variables, one list per variable (in order of first appearance). */
const POINTS = [
  [0.7312, -1.3791, 2.1147, -0.4523, 1.6659, 3.0417],
  [-0.9173, 1.8234, 0.3461, 2.7719, -1.5147, 0.5893],
  [1.2377, 0.6629, -2.2811, 0.9043, 1.4471, -0.7307],
  [0.4159, 2.3321, 1.1087, -1.8713, -0.2674, 2.9071],
];
const MIN_POINTS = 4;

/** Operators of a relation, normalised: `f op 0` with `f = lhs - rhs` (or `rhs - lhs`, flipped). */
function oneSide(lhs: string, op: string, rhs: string): { f: string; op: "=" | "<" | "<=" | "!=" } | undefined {
  const l = latexToSympy(lhs);
  const r = latexToSympy(rhs);
  if (l === undefined || r === undefined) return undefined;
  const o = { "\\le": "<=", "\\leq": "<=", "≤": "<=", "\\ge": ">=", "\\geq": ">=", "≥": ">=", "\\lt": "<", "\\gt": ">", "\\neq": "!=", "\\ne": "!=", "≠": "!=" }[op] ?? op;
  if (o === "=" || o === "<" || o === "<=" || o === "!=") return { f: `(${l})-(${r})`, op: o };
  if (o === ">") return { f: `(${r})-(${l})`, op: "<" };
  if (o === ">=") return { f: `(${r})-(${l})`, op: "<=" };
  return undefined;
}

/** Variable names of an expression (`latexToSympy` output): identifiers that are not functions or constants. */
export function variablesOf(expr: string): string[] | undefined {
  const toks = tokenize(expr);
  if (!toks) return undefined;
  const names: string[] = [];
  toks.forEach((t, k) => {
    if (t.t !== "id") return;
    const next = toks[k + 1];
    if (t.v in NUM_FUNCS && next?.t === "op" && next.v === "(") return;
    if (t.v === "pi" || t.v === "e" || t.v === "E") return;
    const parts = /^[a-zA-Z]+$/.test(t.v) ? [...t.v].filter((c) => c !== "e") : [t.v];
    for (const p of parts) if (!names.includes(p)) names.push(p);
  });
  return names;
}

/**
 * True when the two relations have the same solution set, false when they certainly differ,
 * undefined when this cannot tell (unreadable expressions, too few points where both are defined).
 */
export function sameSolutionSet(
  g: { lhs: string; op: string; rhs: string },
  p: { lhs: string; op: string; rhs: string },
): boolean | undefined {
  const a = oneSide(g.lhs, g.op, g.rhs);
  const b = oneSide(p.lhs, p.op, p.rhs);
  if (!a || !b) return undefined;
  if ((a.op === "=" || a.op === "!=" || b.op === "=" || b.op === "!=") && a.op !== b.op) return false;
  const va = variablesOf(a.f);
  const vb = variablesOf(b.f);
  if (!va || !vb || va.length === 0 || va.length > POINTS.length) return undefined;
  const vars = [...new Set([...va, ...vb])].sort();
  if (vars.length > POINTS.length) return false;
  let ratio: number | undefined;
  let used = 0;
  for (let k = 0; k < POINTS[0]!.length; k++) {
    const env: Record<string, number> = {};
    vars.forEach((v, j) => (env[v] = POINTS[j]![k]!));
    const x = evaluateConstant(a.f, env);
    const y = evaluateConstant(b.f, env);
    if (x === undefined || y === undefined) continue;
    const scale = Math.max(1, Math.abs(x), Math.abs(y));
    const xz = Math.abs(x) <= 1e-9 * scale;
    const yz = Math.abs(y) <= 1e-9 * scale;
    if (xz && yz) continue;
    if (xz !== yz) return false;
    const r = x / y;
    if (ratio === undefined) ratio = r;
    else if (Math.abs(r - ratio) > 1e-7 * Math.max(1, Math.abs(ratio))) return false;
    used++;
  }
  if (used < MIN_POINTS || ratio === undefined) return undefined;
  // `f < 0` and `-f < 0` are opposite half-planes: for inequalities the multiple must be positive.
  if ((a.op === "<" || a.op === "<=") && (ratio < 0 || a.op !== b.op)) return false;
  return true;
}
