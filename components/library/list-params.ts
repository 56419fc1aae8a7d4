import { ReviewStatusSchema, TRACE_SORTS, TraceStatusSchema, VerdictSchema } from "@/lib/protocol";

/**
 * The library's state lives in the URL (a filtered list can be linked, Back returns to it), so
 * it is parsed from the search params on every render and written back with router.replace.
 * Unknown or invalid values are dropped here rather than sent to the API (which would 400).
 */

export const PAGE_SIZE = 50;

export type TraceSort = (typeof TRACE_SORTS)[number];
export const FILTER_KEYS = ["verdict", "review", "model", "hint", "dataset", "tag", "status", "queue"] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

export interface LibraryParams {
  q: string;
  filters: Partial<Record<FilterKey, string>>;
  sort: TraceSort;
  order: "asc" | "desc";
  /** 1-based, as shown to the user. */
  page: number;
}

const ENUM_FILTERS: Partial<Record<FilterKey, { safeParse: (v: unknown) => { success: boolean } }>> = {
  verdict: VerdictSchema,
  review: ReviewStatusSchema,
  status: TraceStatusSchema,
};

export function parseLibraryParams(sp: Pick<URLSearchParams, "get">): LibraryParams {
  const filters: LibraryParams["filters"] = {};
  for (const key of FILTER_KEYS) {
    const v = sp.get(key);
    if (!v) continue;
    const schema = ENUM_FILTERS[key];
    if (schema && !schema.safeParse(v).success) continue;
    filters[key] = v;
  }
  const sort = sp.get("sort");
  const page = Number(sp.get("page"));
  return {
    q: sp.get("q") ?? "",
    filters,
    sort: (TRACE_SORTS as readonly string[]).includes(sort ?? "") ? (sort as TraceSort) : "created",
    order: sp.get("order") === "asc" ? "asc" : "desc",
    page: Number.isInteger(page) && page > 1 ? page : 1,
  };
}

/** The page URL's query: defaults are left out so links stay short. */
export function libraryQueryString(p: LibraryParams): string {
  const sp = new URLSearchParams();
  if (p.q.trim()) sp.set("q", p.q.trim());
  for (const key of FILTER_KEYS) if (p.filters[key]) sp.set(key, p.filters[key]);
  if (p.sort !== "created") sp.set("sort", p.sort);
  if (p.order !== "desc") sp.set("order", p.order);
  if (p.page > 1) sp.set("page", String(p.page));
  return sp.toString();
}

/** GET /api/traces query for one page. */
export function apiQueryString(p: LibraryParams): string {
  const sp = new URLSearchParams();
  if (p.q.trim()) sp.set("q", p.q.trim());
  for (const key of FILTER_KEYS) if (p.filters[key]) sp.set(key, p.filters[key]);
  sp.set("sort", p.sort);
  sp.set("order", p.order);
  sp.set("limit", String(PAGE_SIZE));
  sp.set("offset", String((p.page - 1) * PAGE_SIZE));
  return sp.toString();
}

/** Clicking a sorted column flips its order; another column starts descending (largest/newest first). */
export function toggleSort(p: LibraryParams, sort: TraceSort): LibraryParams {
  const order = p.sort === sort ? (p.order === "desc" ? "asc" : "desc") : "desc";
  return { ...p, sort, order, page: 1 };
}
