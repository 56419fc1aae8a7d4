/**
 * Sorting of the experiment page's result tables, pure so the order is tested without a DOM.
 * Missing values ("—": nothing graded yet) go last in both directions: they are not the best or
 * the worst policy, and a descending sort by pass@1 should open on the best one.
 */
export type SortDir = "ascending" | "descending";
export interface SortState<K extends string = string> {
  key: K;
  dir: SortDir;
}
export type SortValue = number | string | null | undefined;

const missing = (v: SortValue) => v === null || v === undefined || (typeof v === "number" && Number.isNaN(v));

/** Order of two cell values in a direction; strings by locale with numbers inside read as numbers ("rounds=10" after "rounds=2"). */
export function compareValues(a: SortValue, b: SortValue, dir: SortDir): number {
  if (missing(a) || missing(b)) return missing(a) === missing(b) ? 0 : missing(a) ? 1 : -1;
  const order = typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b), "en", { numeric: true });
  return dir === "ascending" ? order : -order;
}

/** Rows in the sort's order; ties keep the table's own order (stable), and no sort keeps it all. */
export function sortRows<T, K extends string>(rows: readonly T[], sort: SortState<K> | null, value: (row: T, key: K) => SortValue): T[] {
  if (!sort) return [...rows];
  return rows
    .map((row, i) => ({ row, i, v: value(row, sort.key) }))
    .sort((a, b) => compareValues(a.v, b.v, sort.dir) || a.i - b.i)
    .map((x) => x.row);
}

/** A click on a header: a new column sorts ascending, the sorted column flips. */
export function nextSort<K extends string>(sort: SortState<K> | null, key: K): SortState<K> {
  return sort?.key === key ? { key, dir: sort.dir === "ascending" ? "descending" : "ascending" } : { key, dir: "ascending" };
}
