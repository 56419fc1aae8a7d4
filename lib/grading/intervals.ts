/**
 * Inequalities and intervals as sets of real numbers: `x \geq 5`, `5 \leq x`, `x >= 5` and
 * `[5, \infty)` are one set; `-x > -1` is `x < 1`; `0 < f(x) < 1` is `(0, 1)` (of f(x));
 * `1 \leq |z| \leq \frac32` is `[-\frac32, -1] \cup [1, \frac32]`; `x \neq 2` is
 * `(-\infty, 2) \cup (2, \infty)`; "x < -2 or x > 3" is a union. Sets are merged unions of
 * intervals with constant endpoints; anything else (symbolic endpoints, non-linear conditions)
 * is left to the other comparisons.
 */
import { closeNumbers } from "./numbers";
import { latexToSympy } from "./latex";
import { evaluateConstant } from "./evaluate";
import { parseStructure, RELATION_OP, type Node } from "./structure";
import { splitTop } from "./text";
import { variablesOf } from "./equations";

export interface Interval {
  lo: number;
  hi: number;
  loClosed: boolean;
  hiClosed: boolean;
}

/** A set of reals over one variable; `variable` undefined for a bare interval (any variable). */
export interface RealSet {
  variable: string | undefined;
  intervals: Interval[];
}

function endpoint(text: string): number | undefined {
  const t = text.replace(/\s+/g, "");
  if (/^\+?\\infty$|^\+?\\infinity$|^\+?oo$|^\+?∞$/.test(t)) return Infinity;
  if (/^-\\infty$|^-\\infinity$|^-oo$|^-∞$/.test(t)) return -Infinity;
  const s = latexToSympy(text);
  return s === undefined ? undefined : evaluateConstant(s);
}

/** Sorted, with overlapping or touching (and covered) intervals merged. */
function merge(intervals: Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.lo < i.hi || (i.lo === i.hi && i.loClosed && i.hiClosed)).sort((a, b) => a.lo - b.lo || Number(b.loClosed) - Number(a.loClosed));
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out.at(-1);
    if (last && (i.lo < last.hi || (closeNumbers(i.lo, last.hi) && (i.loClosed || last.hiClosed)))) {
      if (i.hi > last.hi || (closeNumbers(i.hi, last.hi) && i.hiClosed)) {
        last.hiClosed = closeNumbers(i.hi, last.hi) ? last.hiClosed || i.hiClosed : i.hiClosed;
        last.hi = Math.max(last.hi, i.hi);
      }
    } else out.push({ ...i });
  }
  return out;
}

const OPS: Record<string, string> = { "\\le": "<=", "\\leq": "<=", "≤": "<=", "\\ge": ">=", "\\geq": ">=", "≥": ">=", "\\lt": "<", "\\gt": ">", "\\neq": "!=", "\\ne": "!=", "≠": "!=" };
const op = (o: string) => OPS[o] ?? o;

/** `{v : v op c}` as intervals. */
function halfLine(o: string, c: number): Interval[] | undefined {
  switch (o) {
    case "<":
      return [{ lo: -Infinity, hi: c, loClosed: false, hiClosed: false }];
    case "<=":
      return [{ lo: -Infinity, hi: c, loClosed: false, hiClosed: true }];
    case ">":
      return [{ lo: c, hi: Infinity, loClosed: false, hiClosed: false }];
    case ">=":
      return [{ lo: c, hi: Infinity, loClosed: true, hiClosed: false }];
    case "!=":
      return [
        { lo: -Infinity, hi: c, loClosed: false, hiClosed: false },
        { lo: c, hi: Infinity, loClosed: false, hiClosed: false },
      ];
    case "=":
      return [{ lo: c, hi: c, loClosed: true, hiClosed: true }];
  }
  return undefined;
}

const FLIP: Record<string, string> = { "<": ">", "<=": ">=", ">": "<", ">=": "<=", "!=": "!=", "=": "=" };

/** `{t : |t| in I}` for a set I over |t|: the part of I at or above 0, mirrored. */
function absPreimage(intervals: Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const i of intervals) {
    if (i.hi < 0 || (i.hi === 0 && !i.hiClosed)) continue;
    const lo = Math.max(0, i.lo);
    const loClosed = i.lo < 0 ? true : i.loClosed;
    out.push({ lo, hi: i.hi, loClosed, hiClosed: i.hiClosed });
    out.push({ lo: -i.hi, hi: -lo, loClosed: i.hiClosed, hiClosed: loClosed });
  }
  return merge(out);
}

/**
 * `expr op c` with constant c, over the variable of expr: expr linear in one variable is solved
 * (`2x+1 > 5` is x > 2), `|v|` is unfolded, any other expression is the "variable" itself
 * (`0 < f(x) < 1` is an interval of f(x)).
 */
function solveAgainst(expr: string, o: string, c: number): RealSet | undefined {
  const abs = /^\|\s*([a-zA-Z])\s*\|$|^\\\|\s*([a-zA-Z])\s*\\\|$/.exec(expr.trim());
  if (abs) {
    const set = halfLine(o, c);
    return set && { variable: abs[1] ?? abs[2], intervals: absPreimage(set) };
  }
  const s = latexToSympy(expr);
  const vars = s === undefined ? undefined : variablesOf(s);
  if (s !== undefined && vars && vars.length === 1) {
    const v = vars[0]!;
    const f0 = evaluateConstant(s, { [v]: 0 });
    const f1 = evaluateConstant(s, { [v]: 1 });
    const f2 = evaluateConstant(s, { [v]: 2.5 });
    if (f0 === undefined || f1 === undefined || f2 === undefined) return undefined;
    const slope = f1 - f0;
    // Only linear conditions are solved here; a quadratic condition is a different set.
    if (!closeNumbers(f2 - f0, 2.5 * slope) || Math.abs(slope) < 1e-12) return undefined;
    const root = (c - f0) / slope;
    const set = halfLine(slope < 0 ? FLIP[o]! : o, root);
    return set && { variable: v, intervals: set };
  }
  // Otherwise only a function value (`f(x)`) stands for its own variable.
  if (!/^[a-zA-Z]\w*\([^()]*\)$/.test(expr.trim())) return undefined;
  const set = halfLine(o, c);
  return set && { variable: expr.replace(/\s+/g, ""), intervals: set };
}

function intersect(a: Interval[], b: Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const x of a)
    for (const y of b) {
      const lo = Math.max(x.lo, y.lo);
      const hi = Math.min(x.hi, y.hi);
      const loClosed = x.lo === y.lo ? x.loClosed && y.loClosed : x.lo > y.lo ? x.loClosed : y.loClosed;
      const hiClosed = x.hi === y.hi ? x.hiClosed && y.hiClosed : x.hi < y.hi ? x.hiClosed : y.hiClosed;
      if (lo < hi || (lo === hi && loClosed && hiClosed)) out.push({ lo, hi, loClosed, hiClosed });
    }
  return merge(out);
}

/** A relation (possibly chained: `a < E <= b`) as a set over its variable, when it is one. */
function relationSet(text: string): RealSet | undefined {
  const parts: string[] = [];
  const ops: string[] = [];
  let rest = text;
  for (let guard = 0; guard < 4; guard++) {
    const m = RELATION_OP.exec(rest);
    if (!m) break;
    parts.push(rest.slice(0, m.index).trim());
    ops.push(op(m[0]));
    rest = rest.slice(m.index + m[0].length);
  }
  parts.push(rest.trim());
  if (ops.length === 0 || parts.some((p) => !p)) return undefined;
  if (ops.length === 1) {
    const [l, r] = parts as [string, string];
    const rv = endpoint(r);
    if (rv !== undefined) return solveAgainst(l, ops[0]!, rv);
    const lv = endpoint(l);
    if (lv !== undefined) return solveAgainst(r, FLIP[ops[0]!]!, lv);
    return undefined;
  }
  // a op1 E op2 b, both ops pointing the same way.
  if (ops.length !== 2 || ops.includes("=") || ops.includes("!=")) return undefined;
  const [a, e, b] = parts as [string, string, string];
  const av = endpoint(a);
  const bv = endpoint(b);
  if (av === undefined || bv === undefined) return undefined;
  const left = solveAgainst(e, FLIP[ops[0]!]!, av);
  const right = solveAgainst(e, ops[1]!, bv);
  if (!left || !right || left.variable !== right.variable) return undefined;
  return { variable: left.variable, intervals: intersect(left.intervals, right.intervals) };
}

/** A node as a set of reals, when it reads as one (`tupleIsInterval`: a 2-tuple of constants is an interval). */
export function toRealSet(n: Node, tupleIsInterval: boolean): RealSet | undefined {
  if (n.kind === "scalar" && n.text.includes("\\setminus")) return difference(n.text);
  if (n.kind === "scalar") {
    const reals = /^(?:\\mathbb\s*\{R\}|\\R|ℝ|\\text\{R\})\s*(?:(\^|_)\s*\{?\s*(\+|-|>\s*0|<\s*0|\\geq?\s*0)\s*\}?)?$/.exec(n.text.trim());
    if (reals) {
      const sign = reals[2]?.replace(/\s+/g, "");
      if (!sign) return { variable: undefined, intervals: [{ lo: -Infinity, hi: Infinity, loClosed: false, hiClosed: false }] };
      // ℝ^+ / ℝ_{>0} are the positive reals, ℝ_{\geq 0} includes 0.
      if (sign === "+" || sign === ">0") return { variable: undefined, intervals: [{ lo: 0, hi: Infinity, loClosed: false, hiClosed: false }] };
      if (sign === "-" || sign === "<0") return { variable: undefined, intervals: [{ lo: -Infinity, hi: 0, loClosed: false, hiClosed: false }] };
      return { variable: undefined, intervals: [{ lo: 0, hi: Infinity, loClosed: true, hiClosed: false }] };
    }
  }
  if (n.kind === "relation") return relationSet(`${n.lhs} ${n.op} ${n.rhs}`);
  if (n.kind === "tuple" && tupleIsInterval && n.items.length === 2) {
    const [a, b] = n.items;
    if (a?.kind !== "scalar" || b?.kind !== "scalar") return undefined;
    const lo = endpoint(a.text);
    const hi = endpoint(b.text);
    if (lo === undefined || hi === undefined || lo > hi) return undefined;
    return { variable: undefined, intervals: merge([{ lo, hi, loClosed: n.open === "[", hiClosed: n.close === "]" }]) };
  }
  if (n.kind === "set" && n.braced) return points(n.items);
  // A union, or "x < -2 or x > 3" (a list of conditions on one variable).
  if ((n.kind === "union" || (n.kind === "set" && n.items.every((i) => i.kind === "relation"))) && n.items.length > 1) {
    const sets = n.items.map((i) => toRealSet(i, true));
    if (sets.some((s) => !s)) return undefined;
    const named = [...new Set(sets.map((s) => s!.variable).filter((v) => v !== undefined))];
    if (named.length > 1) return undefined;
    return { variable: named[0], intervals: merge(sets.flatMap((s) => s!.intervals)) };
  }
  return undefined;
}

/** The reals not in `set` (a merged union). */
function complement(set: Interval[]): Interval[] {
  const out: Interval[] = [];
  let lo = -Infinity;
  let loClosed = false;
  for (const i of set) {
    // A gap, or the single point between `(0, 1)` and `(1, 2)`.
    if (i.lo > lo || (i.lo === lo && loClosed && !i.loClosed && Number.isFinite(lo))) out.push({ lo, hi: i.lo, loClosed, hiClosed: !i.loClosed });
    lo = i.hi;
    loClosed = !i.hiClosed;
  }
  if (lo < Infinity) out.push({ lo, hi: Infinity, loClosed, hiClosed: false });
  return merge(out);
}

/** A finite set of constants (`\{1, 2\}` or `1`) as degenerate intervals. */
function points(nodes: Node[]): RealSet | undefined {
  const values = nodes.map((n) => (n.kind === "scalar" ? endpoint(n.text) : undefined));
  if (values.length === 0 || !values.every((v) => v !== undefined && Number.isFinite(v))) return undefined;
  return { variable: undefined, intervals: merge(values.map((v) => ({ lo: v!, hi: v!, loClosed: true, hiClosed: true }))) };
}

/** `A \setminus B`: B a set of reals or a braced list of constants (`\{1, 2\}`). */
function difference(text: string): RealSet | undefined {
  const parts = splitTop(text, /\\setminus/y);
  if (parts.length !== 2) return undefined;
  // `A \setminus ((0,1) \cup (1,2))`: the parentheses only group.
  const unwrap = (t: string) => (/^\(.*\\cup.*\)$/.test(t.trim()) && splitTop(t.trim().slice(1, -1), /\\cup/y).length > 1 ? t.trim().slice(1, -1) : t);
  const a = toRealSet(parseStructure(unwrap(parts[0]!), false), true);
  const bNode = parseStructure(unwrap(parts[1]!), false);
  const b = toRealSet(bNode, true) ?? (bNode.kind === "scalar" ? points([bNode]) : undefined);
  if (!a || !b) return undefined;
  return { variable: a.variable, intervals: intersect(a.intervals, complement(b.intervals)) };
}

export function sameRealSet(a: RealSet, b: RealSet): boolean {
  if (a.variable !== undefined && b.variable !== undefined && a.variable !== b.variable) return false;
  if (a.intervals.length !== b.intervals.length) return false;
  return a.intervals.every((x, k) => {
    const y = b.intervals[k]!;
    const end = (u: number, v: number) => (Number.isFinite(u) ? Number.isFinite(v) && closeNumbers(u, v) : u === v);
    return end(x.lo, y.lo) && end(x.hi, y.hi) && (!Number.isFinite(x.lo) || x.loClosed === y.loClosed) && (!Number.isFinite(x.hi) || x.hiClosed === y.hiClosed);
  });
}

/**
 * Intervals' verdict on two nodes, or undefined when they are not both sets of reals (a pair of
 * tuples stays a pair of tuples: `(1, 3)` against `(1, 3)` is for the tuple comparison).
 */
export function compareAsRealSets(g: Node, p: Node): boolean | undefined {
  const isSetLike = (n: Node) => n.kind === "relation" || (n.kind === "scalar" && /mathbb\s*\{R\}|ℝ|\\setminus/.test(n.text)) || n.kind === "union" || (n.kind === "set" && n.items.every((i) => i.kind === "relation"));
  if (!isSetLike(g) && !isSetLike(p)) return undefined;
  // An equation alone (`x = 3`, `y = 2x + 1`) is not an interval question.
  if (g.kind === "relation" && p.kind === "relation" && op(g.op) === "=" && op(p.op) === "=") return undefined;
  const a = toRealSet(g, true);
  const b = toRealSet(p, true);
  if (!a || !b) return undefined;
  return sameRealSet(a, b);
}
