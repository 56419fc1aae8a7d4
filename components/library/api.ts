import { z } from "zod";
import { TraceActivitySchema, TraceSchema, TraceSummarySchema, type Trace, type TraceActivity, type TraceSummary } from "@/lib/protocol";

/** Client reads of the trace API, validated at the boundary like every other response. */

export const TraceListResponseSchema = z.object({ items: z.array(TraceSummarySchema), total: z.number() });
export type TraceListResponse = z.infer<typeof TraceListResponseSchema>;

export const FacetsSchema = z.object({
  models: z.array(z.string()),
  datasets: z.array(z.string()),
  hints: z.array(z.string()),
  tags: z.array(z.string()),
  queues: z.array(z.object({ id: z.string(), name: z.string() })).default([]),
});
export type Facets = z.infer<typeof FacetsSchema>;

/** GET a JSON body; a non-2xx answer throws with the server's safe message. */
export async function getJson<T>(url: string, schema: z.ZodType<T>, signal?: AbortSignal): Promise<T> {
  const res = await fetch(url, { signal, cache: "no-store" });
  const body = (await res.json().catch(() => null)) as unknown;
  if (!res.ok) throw new Error((body as { error?: { message?: string } } | null)?.error?.message ?? `HTTP ${res.status}`);
  return schema.parse(body);
}

export const getTrace = (id: string, signal?: AbortSignal): Promise<Trace> => getJson(`/api/traces/${encodeURIComponent(id)}`, TraceSchema, signal);

export const getFamily = (id: string, signal?: AbortSignal): Promise<TraceSummary[]> =>
  getJson(`/api/traces/${encodeURIComponent(id)}/family`, z.array(TraceSummarySchema), signal);

/** Who did what to a trace, oldest first (GET /api/traces/:id/activity). */
export const getActivity = (id: string, signal?: AbortSignal): Promise<TraceActivity> =>
  getJson(`/api/traces/${encodeURIComponent(id)}/activity`, TraceActivitySchema, signal);

/** The last path part of a model id ("deepseek-ai/DeepSeek-R1-Distill-Qwen-14B" → "DeepSeek-R1-Distill-Qwen-14B"). */
export const shortModel = (model: string): string => model.slice(model.lastIndexOf("/") + 1) || model;

export const shortId = (id: string): string => (id.length > 10 ? id.slice(0, 8) : id);
