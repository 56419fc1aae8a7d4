/**
 * SQLite → PostgreSQL translation of hintlab's SQL (issue 14 item 6). The store's statements are
 * written for SQLite; the PostgreSQL backend runs the same text through `translateQuery` (every
 * prepared statement, once, at prepare) and migrations through `translateDdl`. Only the SQLite
 * constructs hintlab uses are handled; anything else passes through and fails loudly on the server.
 *
 * Full-text search: SQLite's FTS5 `trace_search` becomes a plain table with a `rowid BIGSERIAL`
 * and a generated `tsv tsvector` ('simple' configuration: lower-cased words, no stemming — close
 * to FTS5's unicode61) behind a GIN index. `x MATCH q` becomes `x.tsv @@ hintlab_fts(q)`, where
 * hintlab_fts (PG_BOOTSTRAP) reads the only FTS5 syntax hintlab writes (ftsQuery in trace-list.ts):
 * quoted words, the last one a prefix. Known difference: PG's parser keeps `1.0617` or `a-b` as
 * one token where unicode61 splits them.
 */

import { escapeNul } from "./nul";

export type ParamRef = { kind: "pos"; index: number } | { kind: "name"; name: string };

export interface Translated {
  text: string;
  params: ParamRef[];
  /** INSERT into a table with a rowid: `RETURNING rowid` is appended so run() can report lastInsertRowid. */
  returnsRowid: boolean;
}

/** Tables that keep SQLite's implicit rowid on PostgreSQL (a BIGSERIAL column named rowid). */
const ROWID_TABLES = new Set(["trace_search"]);

/** Functions and the FTS bridge every hintlab PostgreSQL database gets before migrations. */
export const PG_BOOTSTRAP = `
  CREATE OR REPLACE FUNCTION hintlab_fts(q text) RETURNS tsquery LANGUAGE sql IMMUTABLE AS $$
    SELECT to_tsquery('simple', replace(replace(replace(trim(q), '"*', ':*'), '"', ''), ' ', ' & '))
  $$;
  -- LIMIT -1 means no limit in SQLite.
  CREATE OR REPLACE FUNCTION hintlab_limit(n bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN n < 0 THEN NULL ELSE n END
  $$;
  -- SQLite's comparisons are integers, so hintlab counts with sum(a = b); give PostgreSQL's
  -- booleans the same sum (NULL over no non-NULL input, as SQLite's SUM).
  CREATE OR REPLACE FUNCTION hintlab_sum_bool(s bigint, x boolean) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN x IS NULL THEN s ELSE coalesce(s, 0) + x::int END
  $$;
  DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.proname = 'sum' AND n.nspname = current_schema() AND p.proargtypes = '16') THEN
      CREATE AGGREGATE sum(boolean) (sfunc = hintlab_sum_bool, stype = bigint);
    END IF;
  END $$;
  DO $$ BEGIN
    CREATE COLLATION IF NOT EXISTS hintlab_nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
  END $$;
`;

/** Split SQL into code and quoted runs ('string', "identifier") so rewrites only touch code. */
function pieces(sql: string): { code: boolean; s: string }[] {
  const out: { code: boolean; s: string }[] = [];
  let i = 0;
  let start = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      if (i > start) out.push({ code: true, s: sql.slice(start, i) });
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === c) {
          if (sql[j + 1] === c) j += 2;
          else break;
        } else j++;
      }
      out.push({ code: false, s: sql.slice(i, j + 1) });
      i = j + 1;
      start = i;
    } else if (c === "-" && sql[i + 1] === "-") {
      if (i > start) out.push({ code: true, s: sql.slice(start, i) });
      const end = sql.indexOf("\n", i);
      i = end < 0 ? sql.length : end;
      start = i;
    } else i++;
  }
  if (start < sql.length) out.push({ code: true, s: sql.slice(start) });
  return out;
}

function mapCode(sql: string, f: (code: string) => string): string {
  return pieces(sql)
    .map((p) => (p.code ? f(p.s) : p.s))
    .join("");
}

const SQL_WORDS = new Set(["where", "join", "on", "left", "inner", "cross", "group", "order", "limit", "set", "values", "using"]);

/** `json_each(x) [alias]` → `json_array_elements_text(x::json) AS alias(value)`; `json_extract(x, '$.a')` → `(x::json ->> 'a')`. */
function rewriteJson(sql: string): string {
  return sql
    .replace(/json_each\(([^()]*)\)(?:\s+(?:AS\s+)?(\w+))?/gi, (_m, arg: string, alias?: string) => {
      const a = alias && !SQL_WORDS.has(alias.toLowerCase()) ? alias : undefined;
      const tail = alias && !a ? ` ${alias}` : "";
      return `json_array_elements_text((${arg})::json) AS ${a ?? "json_each"}(value)${tail}`;
    })
    .replace(/json_extract\(([^,()]+),\s*'\$\.(\w+)'\)/gi, (_m, arg: string, key: string) => `((${arg})::json ->> '${key}')`);
}

function rewriteMatch(sql: string): string {
  return sql.replace(/\b(\w+)\s+MATCH\s+/gi, (_m, table: string) => {
    const alias = new RegExp(`\\b${table}\\s+(?:AS\\s+)?(\\w+)`, "i").exec(sql.replace(/\bMATCH\b[\s\S]*/i, ""))?.[1];
    const ref = alias && !SQL_WORDS.has(alias.toLowerCase()) ? alias : table;
    return `${ref}.tsv @@ hintlab_fts_arg `;
  });
}

/** Translate one statement: placeholders to $n, SQLite-only syntax to its PostgreSQL form. */
export function translateQuery(sql: string): Translated {
  const params: ParamRef[] = [];
  const names = new Map<string, number>();
  let positional = 0;
  let orIgnore = false;
  // json_extract's path is a quoted literal, so the JSON rewrite runs before the code/quote split.
  const text = mapCode(rewriteJson(sql), (code) => {
    let c = code;
    if (/\bINSERT\s+OR\s+IGNORE\b/i.test(c)) {
      orIgnore = true;
      c = c.replace(/\bINSERT\s+OR\s+IGNORE\b/gi, "INSERT");
    }
    c = rewriteMatch(c);
    // SQLite's LIKE ignores ASCII case; ILIKE ignores all case (the difference is non-ASCII only).
    c = c.replace(/\bNOT\s+LIKE\b/gi, "NOT ILIKE").replace(/(?<!NOT\s+|I)\bLIKE\b/gi, "ILIKE");
    c = c.replace(/\bIFNULL\(/gi, "COALESCE(");
    // group_concat(x, sep [ORDER BY …]) is string_agg in PostgreSQL (same arguments, text only).
    c = c.replace(/\bgroup_concat\(([^,()]+),/gi, (_m, arg: string) => `string_agg((${arg})::text,`);
    // SQLite's `IS ?` compares with NULL as a value; PostgreSQL's IS takes only NULL/TRUE/FALSE.
    c = c.replace(/\bIS\s+NOT\s+(?=[?@:$][\w]*)/gi, "IS DISTINCT FROM ").replace(/\bIS\s+(?=[?@:$][\w]*)/gi, "IS NOT DISTINCT FROM ");
    // SQLite reads a negative LIMIT as none (hintlab binds -1 for "no limit"); PostgreSQL's is NULL.
    c = c.replace(/\bLIMIT\s+([?]|[@:$][A-Za-z_]\w*)/gi, (_m, p: string) => `LIMIT hintlab_limit(${p})`);
    return c.replace(/(?<![:\w])([?]|[@:$][A-Za-z_]\w*)/g, (tok: string) => {
      if (tok === "?") {
        params.push({ kind: "pos", index: positional++ });
        return `$${params.length}`;
      }
      const name = tok.slice(1);
      let n = names.get(name);
      if (n === undefined) {
        params.push({ kind: "name", name });
        n = params.length;
        names.set(name, n);
      }
      return `$${n}`;
    });
  });
  let out = text.replace(/hintlab_fts_arg (\$\d+|\S+)/g, "hintlab_fts($1)").trim().replace(/;\s*$/, "");
  if (orIgnore) out = insertBeforeReturning(out, " ON CONFLICT DO NOTHING");
  const target = /^\s*INSERT\s+INTO\s+"?(\w+)"?/i.exec(out)?.[1];
  const returnsRowid = !!target && ROWID_TABLES.has(target.toLowerCase()) && !/\bRETURNING\b/i.test(out);
  if (returnsRowid) out += " RETURNING rowid";
  return { text: out, params, returnsRowid };
}

function insertBeforeReturning(sql: string, clause: string): string {
  const m = /\sRETURNING\s/i.exec(sql);
  return m ? sql.slice(0, m.index) + clause + sql.slice(m.index) : sql + clause;
}

/** Values for a translated statement from better-sqlite3-style arguments (positional, arrays, one object of named). */
export function bindValues(params: ParamRef[], args: unknown[]): unknown[] {
  const flat: unknown[] = [];
  let named: Record<string, unknown> | undefined;
  for (const a of args) {
    if (Array.isArray(a)) flat.push(...a);
    else if (a !== null && typeof a === "object" && !(a instanceof Uint8Array) && !(a instanceof Date)) named = { ...named, ...(a as Record<string, unknown>) };
    else flat.push(a);
  }
  return params.map((p) => {
    let v: unknown;
    if (p.kind === "pos") {
      if (p.index >= flat.length) throw new RangeError("Too few parameter values were provided");
      v = flat[p.index];
    } else {
      if (!named || !(p.name in named)) throw new RangeError(`Missing named parameter "${p.name}"`);
      v = named[p.name];
    }
    if (typeof v === "boolean") throw new TypeError("SQLite3 can only bind numbers, strings, bigints, buffers, and null");
    return v === undefined ? null : typeof v === "bigint" ? v.toString() : typeof v === "string" ? escapeNul(v) : v;
  });
}

/** Translate a migration's DDL: SQLite types and table options to PostgreSQL ones. */
export function translateDdl(sql: string): string {
  // FTS5 options are quoted ('' etc.), so this one runs over the whole text before the split.
  const noFts = sql      .replace(/CREATE\s+VIRTUAL\s+TABLE\s+(\w+)\s+USING\s+fts5\s*\(([^)]*)\)/gi, (_m, name: string, spec: string) => {
        const cols = spec
          .split(",")
          .map((s) => s.trim())
          .filter((s) => /^\w+$/.test(s));
        const doc = cols.map((c) => `coalesce(${c}, '')`).join(" || ' ' || ");
        return (
          `CREATE TABLE ${name} (rowid BIGSERIAL PRIMARY KEY, ${cols.map((c) => `${c} TEXT`).join(", ")}, ` +
          `tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', ${doc})) STORED); ` +
          `CREATE INDEX ${name}_tsv ON ${name} USING gin (tsv)`
        );
      });
  return mapCode(noFts, (code) =>
    code
      .replace(/\)\s*WITHOUT\s+ROWID/gi, ")")
      .replace(/\bCOLLATE\s+NOCASE\b/gi, "COLLATE hintlab_nocase")
      // SQLite INTEGER is 64-bit; hintlab keeps millisecond times in it.
      .replace(/\bINTEGER\b/g, "BIGINT")
      .replace(/\bREAL\b/g, "DOUBLE PRECISION")
      .replace(/\bBLOB\b/g, "BYTEA"),
  );
}
