"use client";

import { useEffect, useState } from "react";
import { TraceSchema } from "@/lib/protocol";
import { useHintlabStore } from "@/lib/store";

/**
 * Opens `/?trace=ID` (a saved trace to resume or a fork to continue) and writes unsaved text
 * when the page goes away. Renders an error line when the trace cannot be loaded.
 */
export function TraceLoader() {
  const store = useHintlabStore();
  const [error, setError] = useState<string | null>(null);

  // External system: the URL's trace id and the server's copy of that trace.
  useEffect(() => {
    const id = new URLSearchParams(window.location.search).get("trace");
    if (!id) return;
    fetch(`/api/traces/${encodeURIComponent(id)}`)
      .then(async (r) => {
        const body = (await r.json()) as unknown;
        if (!r.ok) throw new Error((body as { error?: { message?: string } }).error?.message ?? `HTTP ${r.status}`);
        store.getState().actions.openTrace(TraceSchema.parse(body));
      })
      .catch((e: Error) => setError(`Could not open trace ${id}: ${e.message}`));
  }, [store]);

  // External system: the page lifecycle — flush what is in flight with keepalive.
  useEffect(() => {
    const onHide = () => store.getState().actions.flushOnExit();
    window.addEventListener("pagehide", onHide);
    return () => window.removeEventListener("pagehide", onHide);
  }, [store]);

  return error ? (
    <div className="error-banner" role="alert">
      {error}
    </div>
  ) : null;
}
