"use client";

import { useState } from "react";
import { z } from "zod";
import { useCan } from "@/components/ui/session";

const ReportSchema = z.object({ added: z.array(z.string()), present: z.array(z.string()) });

/**
 * "Load demo traces": real recorded tool-integrated traces shipped with the app, for replaying on
 * the trace page with no model and no network. An explicit action rather than a seed at first
 * start: nothing appears in a library (or a test's database) that nobody asked for, and a user
 * who deleted them gets them back only by asking again. Researchers only (it is an import).
 */
export function DemoTracesButton({ onLoaded }: { onLoaded: () => void }) {
  const canImport = useCan("run");
  const [state, setState] = useState<{ busy: boolean; message?: string; error?: string }>({ busy: false });
  if (!canImport) return null;
  const load = async () => {
    setState({ busy: true });
    try {
      const res = await fetch("/api/demo-traces", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      const body = (await res.json().catch(() => null)) as unknown;
      if (!res.ok) throw new Error((body as { error?: { message?: string } } | null)?.error?.message ?? `HTTP ${res.status}`);
      const r = ReportSchema.parse(body);
      const message = r.added.length
        ? `${r.added.length} demo trace${r.added.length === 1 ? "" : "s"} added${r.present.length ? `, ${r.present.length} already here` : ""}: open one and press ▶ Replay`
        : `the ${r.present.length} demo traces are already here`;
      setState({ busy: false, message });
      onLoaded();
    } catch (e) {
      setState({ busy: false, error: (e as Error).message });
    }
  };
  return (
    <span className="row">
      <button data-testid="load-demo-traces" disabled={state.busy} onClick={() => void load()} title="real recorded tool-integrated traces (ToRA) to replay, no model needed">
        {state.busy ? "Loading…" : "Load demo traces"}
      </button>
      {state.message && (
        <span className="small muted" role="status" data-testid="demo-traces-status">
          {state.message}
        </span>
      )}
      {state.error && (
        <span className="small error" role="alert">
          Could not load demo traces: {state.error}
        </span>
      )}
    </span>
  );
}
