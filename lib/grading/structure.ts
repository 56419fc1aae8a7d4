/** An answer's structure: choice, scalar, tuple/interval, set, union, relation. */
import { enclosed, splitTop } from "./text";

export type Node =
  | { kind: "choice"; letter: string }
  | { kind: "scalar"; text: string }
  | { kind: "tuple"; open: string; close: string; items: Node[]; interval?: true; matrix?: true }
  | { kind: "set"; items: Node[]; braced?: true }
  | { kind: "union"; items: Node[] }
  | { kind: "relation"; lhs: string; op: string; rhs: string };

/**
 * Drop a leading `x =` / `f(x) =` / `(x, y) =` / `x \approx` that only names the answer (an approximation is
 * graded by its value: `x \approx 11` is 11).
 */
export function stripLhs(s: string): string {
  const m = /^\s*(?:(?:[a-zA-Z](?:_\{?\w+\}?)?(?:\([a-z, ]*\))?|\\[a-zA-Z]+|\([a-zA-Z](?:\s*,\s*[a-zA-Z])+\))\s*(?:=(?!=)|\\in\b|\\approx\b|≈)|\\approx\b|≈)\s*/.exec(s);
  if (m && !s.slice(m[0].length).includes("=")) return s.slice(m[0].length);
  return s;
}

/** Top-level parts of a list: commas, else semicolons (`2; 5; 7`). */
function listParts(s: string): string[] {
  const parts = splitTop(s);
  return parts.length > 1 ? parts : splitTop(s, /;/y);
}

const MATRIX = /^[([]?\\begin\{([pbvBV]?matrix|smallmatrix|array)\}(?:\{[^{}]*\})?([\s\S]*)\\end\{\1\}[)\]]?$/;
/** Relation operators, longest first (`\leq` before `\le`, `<=` before `<`). */
export const RELATION_OP = /\\leq(?![a-zA-Z])|\\le(?![a-zA-Z])|\\geq(?![a-zA-Z])|\\ge(?![a-zA-Z])|\\neq(?![a-zA-Z])|\\ne(?![a-zA-Z])|\\lt(?![a-zA-Z])|\\gt(?![a-zA-Z])|<=|>=|!=|≤|≥|≠|<|>|=/;

export function parseStructure(s: string, top: boolean, keepLhs = false): Node {
  // `x \in (0, 1)` is an interval, whatever the brackets could otherwise mean.
  const membership = !keepLhs && /^\s*[a-zA-Z](?:_\{?\w+\}?)?\s*\\in\s*[([]/.test(s);
  s = (keepLhs ? s : stripLhs(s)).trim();
  const choice = /^\(?([A-E])\)?(?:\s|$|\s*[:.]\s)/.exec(s + " ");
  if (top && choice && (s.length <= 3 || /^\([A-E]\)/.test(s))) return { kind: "choice", letter: choice[1]! };
  const unionParts = splitTop(s, /\\cup/y);
  if (unionParts.length > 1) return { kind: "union", items: unionParts.map((p) => parseStructure(p, false)) };
  // `vmatrix` is a determinant (a number), not a matrix.
  const mat = MATRIX.exec(s);
  if (mat && mat[1] !== "vmatrix" && mat[1] !== "Vmatrix") {
    const rows = mat[2]!.split(/\\\\/).map((r) => r.trim()).filter(Boolean);
    const rowNodes = rows.map((r): Node => {
      const cells = r.split("&").map((c) => parseStructure(c, false));
      return cells.length === 1 ? cells[0]! : { kind: "tuple", open: "(", close: ")", items: cells };
    });
    return { kind: "tuple", open: "(", close: ")", items: rowNodes, matrix: true };
  }
  if (s.startsWith("\\{") && s.endsWith("\\}")) {
    return { kind: "set", braced: true, items: listParts(s.slice(2, -2)).filter(Boolean).map((p) => parseStructure(stripLhs(p), false)) };
  }
  if (s.length > 2 && enclosed(s, "([", ")]")) {
    const parts = listParts(s.slice(1, -1));
    if (parts.length > 1) {
      const items = parts.map((p) => parseStructure(stripLhs(p), false));
      return membership ? { kind: "tuple", open: s[0]!, close: s.at(-1)!, items, interval: true } : { kind: "tuple", open: s[0]!, close: s.at(-1)!, items };
    }
  }
  const parts = listParts(s);
  if (parts.length > 1) return { kind: "set", items: parts.filter(Boolean).map((p) => parseStructure(stripLhs(p), false)) };
  // `a \pm b` is the two answers a + b and a - b.
  const pm = s.split(/\\pm|\\mp/);
  if (pm.length === 2) return { kind: "set", items: ["+", "-"].map((op): Node => ({ kind: "scalar", text: stripLhs(`${pm[0]}${op}${pm[1]}`) })) };
  const stripped = keepLhs ? s : stripLhs(s);
  const rel = RELATION_OP.exec(stripped);
  if (rel) {
    const lhs = stripped.slice(0, rel.index).trim();
    const rhs = stripped.slice(rel.index + rel[0].length).trim();
    if (lhs && rhs) return { kind: "relation", lhs, op: rel[0], rhs };
  }
  return { kind: "scalar", text: stripped };
}
