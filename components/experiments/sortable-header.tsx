"use client";

import { useState } from "react";
import { nextSort, sortRows, type SortState, type SortValue } from "./sort";

/**
 * Sortable result tables: the sort state and a header cell whose button sorts by its column.
 * The header is a real <button> (Tab reaches it, Enter and Space press it) inside a <th> whose
 * aria-sort says the order to screen readers, the pattern of the WAI-ARIA sortable table example.
 */
export function useSort<T, K extends string>(rows: readonly T[], value: (row: T, key: K) => SortValue) {
  const [sort, setSort] = useState<SortState<K> | null>(null);
  return { sort, sorted: sortRows(rows, sort, value), toggle: (key: K) => setSort((s) => nextSort(s, key)) };
}

export function SortHeader<K extends string>({ label, column, sort, onSort, testIdPrefix }: { label: string; column: K; sort: SortState<K> | null; onSort: (key: K) => void; testIdPrefix: string }) {
  const dir = sort?.key === column ? sort.dir : null;
  return (
    <th aria-sort={dir ?? "none"} data-testid={`${testIdPrefix}-th-${column}`}>
      <button type="button" className="sort-header" data-testid={`${testIdPrefix}-sort-${column}`} onClick={() => onSort(column)}>
        {label}
        <span aria-hidden="true" className="sort-mark">
          {dir === "ascending" ? " ▲" : dir === "descending" ? " ▼" : " ↕"}
        </span>
      </button>
    </th>
  );
}
