import "server-only";
import type Database from "better-sqlite3";
import type { Db } from "./sqlite";

/**
 * The same connection, with `prepare()` answered from a cache. TraceStore prepares its SQL on
 * every call, and better-sqlite3 compiles it each time: in a bulk import or export that was most
 * of the time (get(): 1.3 ms -> 0.45 ms per trace). Only for a bulk job's own store: statements
 * are reused, so the caller must not run `iterate()` on two of them at once (TraceStore never does).
 */
export function withStatementCache(db: Db): Db {
  const cache = new Map<string, Database.Statement>();
  const prepare = (sql: string) => {
    let s = cache.get(sql);
    if (!s) {
      s = db.prepare(sql);
      cache.set(sql, s);
    }
    return s;
  };
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") return prepare;
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
