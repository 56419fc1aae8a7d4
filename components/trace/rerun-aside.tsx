"use client";

import { sameOutput, type Rerun } from "@/lib/store";
import type { Segment } from "@/lib/protocol";
import { toolOutputBody } from "./segment-view";

/**
 * A replay's live re-run of one code block, beside the recorded output: what the page's Python
 * prints now, and whether that differs from what the trace recorded.
 */
export function RerunAside({ rerun, recordedSegment, skipped }: { rerun?: Rerun; recordedSegment: Segment; skipped?: string }) {
  const recorded = toolOutputBody(recordedSegment.text);
  let body: string;
  let status: string;
  let verdict: "same" | "differs" | undefined;
  if (skipped !== undefined) {
    body = "";
    status = `not run when recorded (${skipped}): nothing to re-run`;
  } else if (!rerun || rerun.status === "running") {
    body = "";
    status = "running in this page's Python…";
  } else if (rerun.status === "failed") {
    body = rerun.error ?? "";
    status = "could not run";
  } else {
    body = rerun.output ?? "";
    const r = rerun.result;
    status = `${r?.timedOut ? "timed out" : r?.error ? "error" : "ok"} · ${Math.round(r?.durationMs ?? 0)} ms`;
    verdict = sameOutput(recorded, body) ? "same" : "differs";
  }
  return (
    <figure className={`tool-rerun${verdict ? ` rerun-${verdict}` : ""}`} data-testid="rerun-output" data-rerun-status={rerun?.status ?? (skipped !== undefined ? "skipped" : "pending")}>
      <figcaption className="small muted">
        re-run now · {status}
        {verdict && (
          <span className={`badge rerun-${verdict}`} data-testid="rerun-verdict">
            {verdict === "same" ? "same as recorded" : "differs from recorded"}
          </span>
        )}
      </figcaption>
      <pre className="code-output" data-testid="rerun-text">
        {body}
      </pre>
    </figure>
  );
}
