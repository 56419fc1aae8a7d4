"use client";

import { useEffect, useMemo, useState } from "react";
import type { Trace } from "@/lib/protocol";
import { getTrace } from "@/components/library/api";
import { ciText, pct, positionChunks, rateColor, sweepTag, tracesByTag, type SweepView } from "@/lib/store/sweep-view";

/**
 * "Where should a hint go?": the source trace's text with a strip beside it, one cell per
 * position coloured by its correct rate. Each cell spans the text from its position to the next
 * (a grid row per chunk), so the strip stays aligned with the text at any width.
 */
export function PositionStrip({ view }: { view: SweepView }) {
  const [source, setSource] = useState<{ trace?: Trace; error?: string }>({});
  const traceId = view.spec.traceId;
  // External system: the server's copy of the source trace.
  useEffect(() => {
    const ac = new AbortController();
    getTrace(traceId, ac.signal).then(
      (trace) => setSource({ trace }),
      (e: Error) => !ac.signal.aborted && setSource({ error: e.message }),
    );
    return () => ac.abort();
  }, [traceId]);
  const chunks = useMemo(() => (source.trace ? positionChunks(source.trace.segments, view) : []), [source.trace, view]);
  const arm = view.arms[0]?.key ?? "none";
  if (source.error) return <div className="error-banner">Could not load the source trace: {source.error}</div>;
  if (!source.trace) return <p className="muted">Loading the source trace…</p>;
  return (
    <section className="panel">
      <h3>
        Correct rate by position · {view.arms[0]?.label ?? arm} <span className="muted small">red 0% → green 100%; grey: nothing graded yet. Click a cell for its samples.</span>
      </h3>
      <div className="position-strip" data-testid="position-strip">
        {chunks.map((c, i) => {
          const s = c.summary;
          const title =
            c.position === null
              ? undefined
              : `position ${c.position + 1}${c.label ? ` (${c.label})` : ""}: ${s ? `${s.correct}/${s.graded} correct, ${pct(s.correctRate)} ${ciText(s.ci95)} 95% Wilson` : "no samples yet"}`;
          return (
            <div key={i} className="position-row">
              {c.position === null ? (
                <span className="position-cell empty" />
              ) : (
                <a
                  className="position-cell"
                  data-testid="sweep-position"
                  data-position={c.position}
                  data-rate={s?.correctRate ?? ""}
                  style={{ background: rateColor(s?.correctRate) }}
                  title={title}
                  aria-label={title}
                  href={tracesByTag(sweepTag(view.id, arm, c.position))}
                >
                  <span className="position-rate">{s?.graded ? pct(s.correctRate, 0) : ""}</span>
                </a>
              )}
              <span className="position-text">{c.text}</span>
            </div>
          );
        })}
      </div>
    </section>
  );
}
