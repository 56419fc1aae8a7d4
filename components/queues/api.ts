import type { z } from "zod";
import type { QueueSpec } from "@/lib/protocol";

/** A JSON call to the queue API; a non-2xx answer throws with the server's message (which says what to fix). */
export async function call<T extends z.ZodType>(path: string, schema: T, method = "GET", body?: unknown): Promise<z.infer<T>> {
  const res = await fetch(path, {
    method,
    cache: "no-store",
    ...(body !== undefined ? { headers: { "content-type": "application/json" }, body: JSON.stringify(body) } : {}),
  });
  const json = res.status === 204 ? null : ((await res.json().catch(() => null)) as unknown);
  if (!res.ok) {
    const message = (json as { error?: { message?: string } } | null)?.error?.message ?? `the server answered ${res.status}`;
    throw Object.assign(new Error(message), { status: res.status });
  }
  return schema.parse(json) as z.infer<T>;
}

export const queuePath = (id: string) => `/api/queues/${encodeURIComponent(id)}`;
export const assignmentPath = (id: string, aid: string) => `${queuePath(id)}/assignments/${encodeURIComponent(aid)}`;
export const workHref = (id: string, aid: string) => `/queues/${encodeURIComponent(id)}/work/${encodeURIComponent(aid)}`;

export const pct = (x: number | null | undefined, digits = 0) => (x === null || x === undefined ? "—" : `${(100 * x).toFixed(digits)}%`);
export const duration = (ms: number | undefined) => {
  if (ms === undefined) return "—";
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${(s / 3600).toFixed(1)} h`;
};

/** A queue's review rule in words: how items are given out and how many annotators each gets. */
export const describeRule = (spec: Pick<QueueSpec, "assignment" | "perItem" | "overlapShare">) =>
  `${spec.assignment === "even" ? "split evenly" : "claimed on demand"} · ${spec.perItem > 1 && spec.overlapShare > 0 ? `${spec.perItem} annotators on ${Math.round(spec.overlapShare * 100)}% of items` : "one annotator per item"}`;
