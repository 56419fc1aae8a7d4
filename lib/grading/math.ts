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
import { latexToSympy } from "./latex";
import { evaluateConstant, isSafeParserText, toPythonExpr } from "./evaluate";
import { normalizeAnswerText } from "./normalize";
import { parseStructure, type Node } from "./structure";
import { nestingDepth } from "./text";
import { closeNumbers } from "./numbers";
import { compareAsRealSets } from "./intervals";
import { sameSolutionSet } from "./equations";

export { latexToSympy } from "./latex";
export { evaluateConstant, isSafeParserText, toPythonExpr } from "./evaluate";
export { normalizeAnswerText, type NormalizedAnswer } from "./normalize";
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
  // Three consonants (`xyz`) are a product of symbols, not a word.
  const word = /^(?=[a-zA-Z]*[aeiouAEIOU])[a-zA-Z]{3,}$|^[a-zA-Z]{4,}$/;
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

/**
 * The left side of a computation: a constant (`180 + 24`) or a single term — a name (`P`,
 * `|z|`, `\cos\theta`, `a_{n+1}`, `f(3)`, `3x`) — not a sum, which makes the equation a curve.
 */
function namesOrValue(lhs: string): boolean {
  const s = latexToSympy(lhs);
  if (s !== undefined && evaluateConstant(s) !== undefined) return true;
  let depth = 0;
  const t = lhs.trim().replace(/^-/, "");
  for (let i = 0; i < t.length; i++) {
    const c = t[i]!;
    if ("({[".includes(c)) depth++;
    else if (")}]".includes(c)) depth--;
    else if (depth === 0 && (c === "+" || c === "-" || (c === "\\" && /^\\(?:pm|mp)\b/.test(t.slice(i))))) return false;
  }
  return t.length > 0;
}

function compareNodes(g: Node, p: Node, gs: Side, ps: Side): FastVerdict {
  if (g.kind === "choice" || p.kind === "choice") {
    if (g.kind === "choice" && p.kind === "choice") return g.letter === p.letter;
    return false;
  }
  if (g.kind === "scalar" && p.kind === "scalar") return compareScalar(g.text, p.text, gs, ps);
  // Inequalities, intervals and their unions compare as sets of reals when both read as one.
  const asSets = compareAsRealSets(g, p);
  if (asSets !== undefined) return asSets;
  // An equation against a bare value is judged by its last side ("180 + 24 = 204" vs "204",
  // "P = 3 \cdot 4 = 12" vs "12") when its left side is a value or a name; `x + y = 4` is a line,
  // not the value 4.
  const lastSide = (n: Node): Node => {
    if (n.kind !== "relation" || n.op !== "=") return n;
    const last = n.rhs.split("=").at(-1)!.trim();
    // A chain of computation (`a + b = 3 + 4 = 7`) ends in its value whatever its left side.
    const chainValue = n.rhs.includes("=") && evaluateConstant(latexToSympy(last) ?? "x") !== undefined;
    return namesOrValue(n.lhs) || chainValue ? { kind: "scalar", text: last } : n;
  };
  if ((g.kind === "relation") !== (p.kind === "relation") && (g.kind === "scalar" || p.kind === "scalar")) {
    const gl = lastSide(g);
    const pl = lastSide(p);
    return gl.kind === "scalar" && pl.kind === "scalar" ? compareScalar(gl.text, pl.text, gs, ps) : false;
  }
  if (g.kind === "relation" && p.kind === "relation") {
    // Same solution set (`2x+4y-3=0` and `y=-\frac12x+\frac34`), decided numerically when it can be.
    const same = sameSolutionSet(g, p);
    if (same !== undefined) return same;
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
  // Only `( … )` can be a list of answers: `(1, 4]` is an interval, a matrix is a matrix.
  const items = (n: Node): Node[] | undefined =>
    n.kind === "set" ? n.items : n.kind === "tuple" && n.open === "(" && n.close === ")" && !n.matrix ? n.items : undefined;
  const gi = items(g);
  const pi = items(p);
  if (gi && pi && (g.kind === "set" || p.kind === "set")) {
    if (gi.length !== pi.length) return false;
    // The gold's intent decides order: a tuple gold is ordered (an explicit set against it is
    // the wrong kind of answer), a set gold takes its elements in any order and any brackets.
    if (g.kind === "tuple") return p.kind === "set" && p.braced ? false : and(gi.map((x, k) => compareNodes(x, pi[k]!, gs, ps)));
    // An interval (`a \in (0, 1)`) is no list of two answers.
    if (p.kind === "tuple" && p.interval) return false;
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
  // An equation that is not `name = value` (`2x+4y-3=0`) is compared as an equation with the
  // other side's whole equation (`y = -\frac12x+\frac34`), not with its right-hand side.
  const equation = /^[^,=<>!]*[^=<>!\\]=(?!=)[^,=]*$/;
  const keepLhs =
    (namedEquation.test(g.text) && namedEquation.test(p.text)) ||
    (equation.test(g.text) && equation.test(p.text) && (!namedEquation.test(g.text) || !namedEquation.test(p.text)));
  const gs: Side = { node: parseStructure(g.text, true, keepLhs), percent: g.percent };
  const ps: Side = { node: parseStructure(p.text, true, keepLhs), percent: p.percent };
  return compareNodes(gs.node, ps.node, gs, ps);
}

