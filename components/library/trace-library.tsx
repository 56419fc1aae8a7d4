"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useRef } from "react";
import { FacetsSchema, getJson, TraceListResponseSchema } from "./api";
import { DemoTracesButton } from "./demo-traces-button";
import { ExportButton } from "./export-button";
import { ImportButton } from "./import-button";
import { FilterBar } from "./filter-bar";
import { apiQueryString, libraryQueryString, parseLibraryParams, toggleSort, type LibraryParams } from "./list-params";
import { Pager } from "./pager";
import { SearchBox } from "./search-box";
import { TraceTable } from "./trace-table";
import { useFetched } from "./use-fetched";
import "./library.css";

/**
 * The trace library: search, filters, sorting and paging, all held in the URL (derived from it
 * on every render, written back with router.replace) and answered by the server one page at a time.
 */
export function TraceLibrary() {
  const router = useRouter();
  const pathname = usePathname();
  const params = parseLibraryParams(useSearchParams());
  const apiQuery = apiQueryString(params);
  const list = useFetched(apiQuery, (q, signal) => getJson(`/api/traces?${q}`, TraceListResponseSchema, signal));
  const facets = useFetched("facets", (_, signal) => getJson("/api/traces/facets", FacetsSchema, signal));

  // router.replace reaches the URL (and so `params`) a render later: two quick changes (clear one
  // filter, then another) must build on the first, not on the URL from before it.
  const pending = useRef<{ qs: string; params: LibraryParams } | null>(null);
  if (pending.current && pending.current.qs === libraryQueryString(params)) pending.current = null;
  const current = () => pending.current?.params ?? params;
  const go = (next: LibraryParams) => {
    const qs = libraryQueryString(next);
    pending.current = { qs, params: next };
    router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
  };
  // Any change of what is listed starts again at page 1.
  const refine = (change: Partial<LibraryParams>) => go({ ...current(), ...change, page: 1 });

  return (
    <main className="library">
      <div className="library-toolbar">
        <SearchBox value={params.q} onSearch={(q) => refine({ q })} />
        <FilterBar params={params} facets={facets.data} onFilter={(key, value) => refine({ filters: { ...current().filters, [key]: value } })} />
        <span className="row">
          <ExportButton params={params} total={list.data?.total} />
          <ImportButton onImported={(dataset) => go({ ...current(), filters: { ...current().filters, ...(dataset ? { dataset } : {}) }, sort: "created", order: "desc", page: 1 })} />
          <DemoTracesButton onLoaded={() => go({ ...current(), filters: { ...current().filters, tag: "demo" }, page: 1 })} />
        </span>
      </div>
      <Pager page={params.page} total={list.data?.total} onPage={(page) => go({ ...params, page })} />
      {list.error && (
        <div className="error-banner" role="alert">
          Could not load traces: {list.error}
        </div>
      )}
      <div className={list.loading ? "library-table loading" : "library-table"} aria-busy={list.loading}>
        <TraceTable items={list.data?.items ?? []} pageKey={apiQuery} params={params} onSort={(s) => go(toggleSort(params, s))} />
        {list.data && list.data.total === 0 && !list.loading && <p className="muted empty">No traces match.</p>}
      </div>
      <p className="muted small">Keys: j / k move the selection, Enter opens it.</p>
    </main>
  );
}
