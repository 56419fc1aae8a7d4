import { describe, expect, it } from "vitest";
import { bindValues, translateDdl, translateQuery } from "./dialect";

describe("translateQuery", () => {
  it("numbers ? placeholders and leaves quoted text alone", () => {
    const t = translateQuery("SELECT '?' AS q, \"a?\" FROM t WHERE a = ? AND b > ?");
    expect(t.text).toBe("SELECT '?' AS q, \"a?\" FROM t WHERE a = $1 AND b > $2");
    expect(bindValues(t.params, [1, 2])).toEqual([1, 2]);
    expect(bindValues(t.params, [[3, 4]])).toEqual([3, 4]);
    expect(() => bindValues(t.params, [1])).toThrow(/Too few/);
  });
  it("maps @name, :name and $name to one position each, and keeps :: casts", () => {
    const t = translateQuery("UPDATE t SET a = @a, b = :b WHERE id = $id AND a <> @a AND x = y::text");
    expect(t.text).toBe("UPDATE t SET a = $1, b = $2 WHERE id = $3 AND a <> $1 AND x = y::text");
    expect(bindValues(t.params, [{ a: 1, b: "x", id: "i" }])).toEqual([1, "x", "i"]);
    expect(() => bindValues(t.params, [{ a: 1 }])).toThrow(/Missing named parameter "b"/);
  });
  it("refuses booleans and turns undefined into NULL, as better-sqlite3 binds", () => {
    const t = translateQuery("SELECT ?");
    expect(() => bindValues(t.params, [true])).toThrow(TypeError);
    expect(bindValues(t.params, [10n])).toEqual(["10"]);
  });
  it("INSERT OR IGNORE becomes ON CONFLICT DO NOTHING", () => {
    expect(translateQuery("INSERT OR IGNORE INTO d (id) VALUES (?);").text).toBe("INSERT INTO d (id) VALUES ($1) ON CONFLICT DO NOTHING");
  });
  it("IS ? compares with NULL as a value, and a negative LIMIT is none", () => {
    expect(translateQuery("DELETE FROM s WHERE u = ? AND h IS NOT ? AND g IS @g AND x IS NOT NULL").text).toBe(
      "DELETE FROM s WHERE u = $1 AND h IS DISTINCT FROM $2 AND g IS NOT DISTINCT FROM $3 AND x IS NOT NULL",
    );
    expect(translateQuery("SELECT id FROM p ORDER BY idx LIMIT ?").text).toBe("SELECT id FROM p ORDER BY idx LIMIT hintlab_limit($1)");
  });
  it("LIKE keeps SQLite's case-insensitivity", () => {
    expect(translateQuery("SELECT 1 WHERE a LIKE ? AND b NOT LIKE ?").text).toBe("SELECT 1 WHERE a ILIKE $1 AND b NOT ILIKE $2");
  });
  it("json_each and json_extract become PostgreSQL JSON functions", () => {
    expect(translateQuery("SELECT id FROM traces WHERE id IN (SELECT value FROM json_each(?))").text).toBe(
      "SELECT id FROM traces WHERE id IN (SELECT value FROM json_array_elements_text(($1)::json) AS json_each(value))",
    );
    expect(translateQuery("SELECT DISTINCT j.value AS v FROM traces, json_each(traces.tags) j ORDER BY 1").text).toBe(
      "SELECT DISTINCT j.value AS v FROM traces, json_array_elements_text((traces.tags)::json) AS j(value) ORDER BY 1",
    );
    expect(translateQuery("EXISTS (SELECT 1 FROM json_each(t.tags) WHERE value = @tag)").text).toContain("AS json_each(value) WHERE value = $1");
    expect(translateQuery("SELECT substr(json_extract(t.problem, '$.statement'), 1, 300) FROM traces t").text).toBe(
      "SELECT substr(((t.problem)::json ->> 'statement'), 1, 300) FROM traces t",
    );
  });
  it("FTS5 MATCH becomes a tsquery match on the table's alias", () => {
    expect(translateQuery("SELECT m.trace_id FROM trace_search s JOIN trace_search_map m ON m.rowid_ = s.rowid WHERE trace_search MATCH @q").text).toBe(
      "SELECT m.trace_id FROM trace_search s JOIN trace_search_map m ON m.rowid_ = s.rowid WHERE s.tsv @@ hintlab_fts($1)",
    );
  });
  it("an INSERT into a rowid table returns the rowid for lastInsertRowid", () => {
    const t = translateQuery("INSERT INTO trace_search (problem, body) VALUES (?, ?)");
    expect(t.returnsRowid).toBe(true);
    expect(t.text).toMatch(/RETURNING rowid$/);
    expect(translateQuery("INSERT INTO traces (id) VALUES (?)").returnsRowid).toBe(false);
  });
});

describe("translateDdl", () => {
  it("widens INTEGER, maps REAL/BLOB, drops WITHOUT ROWID and maps NOCASE", () => {
    const ddl = translateDdl("CREATE TABLE a (n INTEGER NOT NULL, r REAL, b BLOB, name TEXT UNIQUE COLLATE NOCASE, PRIMARY KEY (n)) WITHOUT ROWID; -- INTEGER in a comment");
    expect(ddl).toBe("CREATE TABLE a (n BIGINT NOT NULL, r DOUBLE PRECISION, b BYTEA, name TEXT UNIQUE COLLATE hintlab_nocase, PRIMARY KEY (n)); ");
  });
  it("turns an FTS5 table into a table with a generated tsvector and a GIN index", () => {
    const ddl = translateDdl("CREATE VIRTUAL TABLE trace_search USING fts5 (problem, body, content='', contentless_delete=1, tokenize='unicode61');");
    expect(ddl).toContain("CREATE TABLE trace_search (rowid BIGSERIAL PRIMARY KEY, problem TEXT, body TEXT, tsv tsvector GENERATED ALWAYS AS");
    expect(ddl).toContain("CREATE INDEX trace_search_tsv ON trace_search USING gin (tsv)");
  });
});
