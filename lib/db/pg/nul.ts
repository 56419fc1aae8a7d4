/**
 * PostgreSQL cannot hold U+0000: not in `text` (refused on input), not as the JSON escape
 * `\u0000` in a column read with `->>` (json_extract: "unsupported Unicode escape sequence").
 * SQLite holds both, and a model's output sometimes has one (a local model's raw tokens, a tool's
 * binary stdout). So every string bound on PostgreSQL is escaped, and every string read is
 * unescaped, with the noncharacter U+FDD0 (Unicode reserves U+FDD0–U+FDEF for internal use):
 *
 * - raw text: U+0000 → U+FDD0 U+FDD1, U+FDD0 → U+FDD0 U+FDD0;
 * - JSON escapes: `\u0000` → `\ufdd0\ufdd1`, `\ufdd0` → `\ufdd0\ufdd0` (backslash pairs are skipped,
 *   so `\\u0000`, the JSON of the six characters, is left alone). `->>` then turns
 *   `\ufdd0\ufdd1` into the raw pair, which reads back as U+0000.
 *
 * Both are bijections on any string, so a plain text column that happens to hold such a sequence
 * round-trips too. Parameters and stored values are escaped alike: equality and LIKE still match.
 */
const ESC = "\uFDD0";

export function escapeNul(s: string): string {
  let out = s;
  if (out.includes("\0") || out.includes(ESC)) out = out.replace(/[\0\uFDD0]/g, (c) => (c === ESC ? ESC + ESC : ESC + "\uFDD1"));
  if (out.includes("\\u")) out = out.replace(/\\(u0000|ufdd0|[\s\S])/g, (m, t: string) => (t === "u0000" ? "\\ufdd0\\ufdd1" : t === "ufdd0" ? "\\ufdd0\\ufdd0" : m));
  return out;
}

export function unescapeNul(s: string): string {
  let out = s;
  if (out.includes(ESC)) out = out.replace(/\uFDD0([\uFDD0\uFDD1])/g, (_m, c: string) => (c === ESC ? ESC : "\0"));
  if (out.includes("\\ufdd0")) out = out.replace(/\\(ufdd0\\ufdd[01]|[\s\S])/g, (m, t: string) => (t === "ufdd0\\ufdd1" ? "\\u0000" : t === "ufdd0\\ufdd0" ? "\\ufdd0" : m));
  return out;
}
