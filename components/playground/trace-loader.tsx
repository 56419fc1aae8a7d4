"use client";

import { useEffect, useState } from "react";
import { ProblemPageSchema, TraceSchema } from "@/lib/protocol";
import { useHintlabStore } from "@/lib/store";

/**
 * Opens `/?trace=ID` (a saved trace to resume or a fork to continue; `&continue=1` resumes it at
 * once, as a branch from an alternative token or from an edit asks) and writes unsaved text
 * when the page goes away. Renders an error line when the trace cannot be loaded.
 */
export function TraceLoader() {
  const store = useHintlabStore();
  const [error, setError] = useState<string | null>(null);

  // External system: the URL's trace id and the server's copy of that trace.
  useEffect(() => {
    const params = new URLSearchParams(window.location.search);
    const dataset = params.get("dataset");
    if (dataset) {
      // /?dataset=ID&index=N: a problem of an imported dataset, opened for a live run.
      const index = Math.max(0, Number(params.get("index")) || 0);
      fetch(`/api/datasets/${encodeURIComponent(dataset)}/problems?offset=${index}&limit=1`)
        .then(async (r) => {
          const page = ProblemPageSchema.parse(await r.json());
          const problem = page.problems[0];
          if (!problem) throw new Error(`the dataset has no problem ${index + 1}`);
          store.getState().actions.loadProblem(problem);
        })
        .catch((e: Error) => setError(`Could not open the problem: ${e.message}`));
    }
    const id = params.get("trace");
    if (!id) return;
    // The trace continues on its own connection (resumeSettings), which is looked up in the
    // connection list: have it before the trace opens, or a fork generating at once (continue=1)
    // would go to the server's default model instead.
    Promise.all([fetch(`/api/traces/${encodeURIComponent(id)}`), store.getState().actions.refreshConnections()])
      .then(async ([r]) => {
        const body = (await r.json()) as unknown;
        if (!r.ok) throw new Error((body as { error?: { message?: string } }).error?.message ?? `HTTP ${r.status}`);
        await store.getState().actions.openTrace(TraceSchema.parse(body));
        // continue=1: a branch from an alternative token or from an edit goes on generating from there.
        const s = store.getState();
        if (params.get("continue") === "1" && s.engine?.phase === "paused" && !s.leaseConflict) s.actions.continueWithoutHint();
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
