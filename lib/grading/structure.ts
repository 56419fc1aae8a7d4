/** An answer's structure: choice, scalar, tuple/interval, set, union, relation. */
import { enclosed, splitTop } from "./text";

export type Node =
  | { kind: "choice"; letter: string }
  | { kind: "scalar"; text: string }
  | { kind: "tuple"; open: string; close: string; items: Node[] }
  | { kind: "set"; items: Node[] }
  | { kind: "union"; items: Node[] }
  | { kind: "relation"; lhs: string; op: string; rhs: string };

/** Drop a leading `x =` / `f(x) =` that only names the answer. */
export function stripLhs(s: string): string {
  const m = /^\s*(?:[a-zA-Z](?:_\{?\w+\}?)?(?:\([a-z, ]*\))?|\\[a-zA-Z]+)\s*(?:=(?!=)|\\in\b)\s*/.exec(s);
  if (m && !s.slice(m[0].length).includes("=")) return s.slice(m[0].length);
  return s;
}

export function parseStructure(s: string, top: boolean, keepLhs = false): Node {
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
