"use client";

import { REVIEW_STATUSES, TraceStatusSchema, VerdictSchema } from "@/lib/protocol";
import type { Facets } from "./api";
import type { FilterKey, LibraryParams } from "./list-params";

interface FilterSpec {
  key: FilterKey;
  label: string;
  options: (facets: Facets | undefined) => readonly string[];
  /** What a value shows as (a queue's name for its id). */
  show?: (value: string, facets: Facets | undefined) => string;
}

const FILTERS: FilterSpec[] = [
  { key: "verdict", label: "Verdict", options: () => VerdictSchema.options },
  { key: "review", label: "Review", options: () => REVIEW_STATUSES },
  { key: "status", label: "Status", options: () => TraceStatusSchema.options },
  { key: "model", label: "Model", options: (f) => f?.models ?? [] },
  { key: "hint", label: "Hint", options: (f) => f?.hints ?? [] },
  { key: "dataset", label: "Dataset", options: (f) => f?.datasets ?? [] },
  { key: "tag", label: "Tag", options: (f) => f?.tags ?? [] },
  { key: "queue", label: "Accepted in queue", options: (f) => f?.queues.map((q) => q.id) ?? [], show: (v, f) => f?.queues.find((q) => q.id === v)?.name ?? v },
];

/** One menu per filter; menus of models, hints, datasets and tags come from /api/traces/facets. */
export function FilterBar({
  params,
  facets,
  onFilter,
}: {
  params: LibraryParams;
  facets: Facets | undefined;
  onFilter: (key: FilterKey, value: string | undefined) => void;
}) {
  return (
    <div className="library-filters">
      {FILTERS.map(({ key, label, options, show }) => {
        const current = params.filters[key];
        const values = options(facets);
        // A linked value the facets do not (yet) list must still show as selected.
        const all = current && !values.includes(current) ? [current, ...values] : values;
        return (
          <label key={key} className="inline">
            {label}
            <select data-testid={`filter-${key}`} value={current ?? ""} onChange={(e) => onFilter(key, e.target.value || undefined)}>
              <option value="">any</option>
              {all.map((v) => (
                <option key={v} value={v}>
                  {show ? show(v, facets) : v}
                </option>
              ))}
            </select>
          </label>
        );
      })}
    </div>
  );
}
