import "server-only";
import { getDb, TraceStore } from "@/lib/db";
import { experimentStore } from "./registry";
import { DEFAULT_RFT_OPTIONS, selectRft, type RftOptions, type RftResult } from "./rft";

/**
 * Run the Hint-RFT selection of an experiment and mark the chosen traces with the tag
 * `rft:<experiment id>` (removed from traces no longer chosen), so the selection exports through
 * the ordinary export formats: GET /api/export?format=…&tag=rft:<id>.
 */
export type RftOptionsInput = Partial<Omit<RftOptions, "weights">> & { weights?: Partial<RftOptions["weights"]> };

/** `author`: who the tag writes are logged as (lib/db/activity.ts): the account that asked for the selection. */
export function applyRftSelection(experimentId: string, options: RftOptionsInput = {}, author = "Hint-RFT selection"): RftResult & { tag: string } {
  const items = experimentStore().items(experimentId);
  const traces = new TraceStore(getDb());
  const result = selectRft(items, (id) => traces.get(id), { ...DEFAULT_RFT_OPTIONS, ...options, weights: { ...DEFAULT_RFT_OPTIONS.weights, ...options.weights } });
  const tag = `rft:${experimentId}`;
  const chosen = new Set(result.selected.map((s) => s.traceId));
  // Collected first: untagging while paging through the tag's own list would skip traces.
  for (const id of [...traces.iterateIds({ tag })]) {
    if (chosen.has(id)) continue;
    const t = traces.get(id);
    traces.setTags(id, { baseVersion: t.version, author, tags: (t.tags ?? []).filter((x) => x !== tag) });
  }
  for (const id of chosen) {
    const t = traces.get(id);
    if (!t.tags?.includes(tag)) traces.setTags(id, { baseVersion: t.version, author, tags: [...(t.tags ?? []), tag] });
  }
  return { ...result, tag };
}
