"use client";

import { useState } from "react";
import { useHintlab, useHintlabStore } from "@/lib/store";

/**
 * One live writer per trace (lib/db/live-writes.ts), told to the user: when the trace asked for
 * is being written in another tab, the choice between taking it over and continuing in a fork;
 * when another tab took this one's trace, that this tab stopped — and a way to keep its text.
 */
export function LeaseBanner() {
  const store = useHintlabStore();
  const conflict = useHintlab((s) => s.leaseConflict);
  const lost = useHintlab((s) => (s.save.state === "lost" ? s.save.message : undefined));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const act = (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    fn()
      .catch((e: Error) => setError(e.message))
      .finally(() => setBusy(false));
  };
  const actions = store.getState().actions;
  if (conflict) {
    return (
      <div className="error-banner lease-banner" role="alertdialog" aria-label="Trace in use" data-testid="lease-conflict">
        <p>{conflict.message}</p>
        <div className="row">
          <button type="button" disabled={busy} onClick={() => act(actions.takeOverTrace)} data-testid="lease-take-over">
            Take over
          </button>
          <button type="button" disabled={busy} onClick={() => act(actions.forkConflictingTrace)} data-testid="lease-fork">
            Open a fork
          </button>
        </div>
        {error ? <p role="alert">{error}</p> : null}
      </div>
    );
  }
  if (lost) {
    return (
      <div className="error-banner lease-banner" role="alert" data-testid="lease-lost">
        <p>{lost}</p>
        <p>Generation in this tab has stopped. The text on screen is kept here until you leave the page.</p>
        <div className="row">
          <button type="button" disabled={busy} onClick={() => act(actions.saveLostRunAsFork)} data-testid="lease-save-fork">
            Save this tab&apos;s run as a fork
          </button>
        </div>
        {error ? <p role="alert">{error}</p> : null}
      </div>
    );
  }
  return null;
}
