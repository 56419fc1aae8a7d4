"use client";

import { useEffect, useState } from "react";
import type { z } from "zod";

/**
 * Fetch JSON, validate it, and refetch every `intervalMs` while `keepPolling(data)` says so (a
 * number: refetch after that many ms instead). External system: the server's experiment state.
 */
export function usePoll<T extends z.ZodType>(url: string, schema: T, intervalMs: number, keepPolling: (d: z.infer<T>) => boolean | number, version = 0) {
  const [state, setState] = useState<{ data?: z.infer<T>; error?: string }>({});
  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const res = await fetch(url, { cache: "no-store" });
        const body = (await res.json()) as unknown;
        if (!res.ok) throw new Error((body as { error?: { message?: string } }).error?.message ?? `HTTP ${res.status}`);
        const data = schema.parse(body) as z.infer<T>;
        if (stop) return;
        setState({ data });
        const again = keepPolling(data);
        if (again !== false) timer = setTimeout(tick, typeof again === "number" ? again : intervalMs);
      } catch (e) {
        if (!stop) setState((s) => ({ ...s, error: (e as Error).message }));
      }
    };
    void tick();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
    // keepPolling/schema are stable module-level values at the call sites.
  }, [url, intervalMs, version]);
  return state;
}
