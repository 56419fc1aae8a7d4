"use client";

import { useState } from "react";
import { REVIEW_STATUSES, type ReviewStatus, type Trace } from "@/lib/protocol";

const LABEL: Record<ReviewStatus, string> = { unreviewed: "unreviewed", accepted: "accept (a)", rejected: "reject (x)", "needs-work": "needs work (w)" };

export function ReviewBar({ trace, busy, onReview, onNext }: { trace: Trace; busy: boolean; onReview: (s: ReviewStatus, note?: string) => void; onNext: () => void }) {
  const current = trace.review?.status ?? "unreviewed";
  const [note, setNote] = useState(trace.review?.note ?? "");
  return (
    <section className="panel review" data-testid="review-bar">
      <h3>
        Review: <span data-testid="review-status">{current}</span>
        {trace.review?.author && <span className="muted small"> by {trace.review.author}</span>}
      </h3>
      <div className="row">
        {REVIEW_STATUSES.filter((s) => s !== "unreviewed").map((s) => (
          <button key={s} data-testid={`review-${s}`} className={s === current ? "selected" : ""} disabled={busy} onClick={() => onReview(s, note || undefined)}>
            {LABEL[s]}
          </button>
        ))}
        <button onClick={onNext} title="n" data-testid="next-unreviewed">
          next unreviewed (n)
        </button>
      </div>
      <textarea rows={2} placeholder="review note" value={note} data-testid="review-note" onChange={(e) => setNote(e.target.value)} />
    </section>
  );
}
