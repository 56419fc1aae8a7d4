"use client";

import { REVIEW_STATUSES, type ReviewStatus, type Trace } from "@/lib/protocol";
import type { TraceConflict } from "@/lib/store/trace-detail";
import { ConflictCard } from "./conflict-card";

const LABEL: Record<ReviewStatus, string> = { unreviewed: "unreviewed", accepted: "accept (a)", rejected: "reject (x)", "needs-work": "needs work (w)" };

/** Review status and note. The note is the store's draft (it survives a reload and a conflict); a review conflict is shown here. */
export function ReviewBar(p: {
  trace: Trace;
  note: string;
  setNote: (note: string) => void;
  busy: boolean;
  conflict?: TraceConflict;
  onReview: (s: ReviewStatus) => void;
  onNext: () => void;
  /** In a queue: "next in queue (n)", and a skip button. */
  nextLabel?: string;
  onSkip?: () => void;
  onKeepMine: () => void;
  onTakeTheirs: () => void;
  onReload: () => void;
}) {
  const { trace } = p;
  const current = trace.review?.status ?? "unreviewed";
  return (
    <section className="panel review" data-testid="review-bar">
      <h3>
        Review: <span data-testid="review-status">{current}</span>
        {trace.review?.author && <span className="muted small"> by {trace.review.author}</span>}
      </h3>
      <div className="row">
        {REVIEW_STATUSES.filter((s) => s !== "unreviewed").map((s) => (
          <button key={s} data-testid={`review-${s}`} className={s === current ? "selected" : ""} disabled={p.busy} onClick={() => p.onReview(s)}>
            {LABEL[s]}
          </button>
        ))}
        <button onClick={p.onNext} title="n" data-testid="next-unreviewed">
          {p.nextLabel ?? "next unreviewed (n)"}
        </button>
        {p.onSkip && (
          <button onClick={p.onSkip} title="s" data-testid="queue-skip">
            skip (s)
          </button>
        )}
      </div>
      <textarea rows={2} placeholder="review note" value={p.note} data-testid="review-note" onChange={(e) => p.setNote(e.target.value)} />
      {p.conflict && <ConflictCard conflict={p.conflict} busy={p.busy} onKeepMine={p.onKeepMine} onTakeTheirs={p.onTakeTheirs} onReload={p.onReload} />}
    </section>
  );
}
