"use client";

import type { TraceConflict } from "@/lib/store/trace-detail";
import "./annotate.css";

const excerpt = (text: string, n = 400) => (text.length > n ? `${text.slice(0, n)}…` : text);

/**
 * Someone else's change collides with the user's: both sides, and the three ways out. Rendered
 * where the user's change was made (inside the edit dialog, in the review bar) so it is never
 * under a modal backdrop.
 */
export function ConflictCard({
  conflict,
  busy,
  onKeepMine,
  onTakeTheirs,
  onReload,
}: {
  conflict: TraceConflict;
  busy: boolean;
  onKeepMine: () => void;
  onTakeTheirs: () => void;
  onReload: () => void;
}) {
  const { change, theirs } = conflict;
  return (
    <div className="conflict-card" role="alert" data-testid="conflict">
      <p>
        <strong>{conflict.reason}</strong> Your change is kept below; choose which one stays.
      </p>
      <div className="conflict-sides">
        <div data-testid="conflict-mine">
          <h4>Yours</h4>
          {change.kind === "edit" && <pre>{excerpt(change.edit.replacement)}</pre>}
          {change.kind === "review" && (
            <p>
              <strong>{change.status}</strong>
              {change.note && <span className="conflict-note"> — {change.note}</span>}
            </p>
          )}
          {change.kind === "annotation" && (
            <p>
              <strong>{change.annotation.label}</strong> on “{excerpt(change.text, 120)}” {change.annotation.comment && `— ${change.annotation.comment}`}
            </p>
          )}
        </div>
        <div data-testid="conflict-theirs">
          <h4>Theirs (latest version)</h4>
          {theirs.kind === "edits" &&
            theirs.edits.map((e) => (
              <div key={e.id}>
                <span className="muted small">
                  {e.author} · characters {e.start}–{e.end}
                </span>
                <pre>{excerpt(e.replacement)}</pre>
              </div>
            ))}
          {theirs.kind === "text" && <pre>{excerpt(theirs.current) || "(no text there any more)"}</pre>}
          {theirs.kind === "review" && (
            <p>
              <strong>{theirs.review?.status ?? "unreviewed"}</strong>
              {theirs.review?.author && <span className="muted small"> by {theirs.review.author}</span>}
              {theirs.review?.note && <span className="conflict-note"> — {theirs.review.note}</span>}
            </p>
          )}
        </div>
      </div>
      <div className="row">
        {conflict.canKeepMine && (
          <button className="primary" data-testid="conflict-keep-mine" disabled={busy} onClick={onKeepMine}>
            Keep mine (save on the latest version)
          </button>
        )}
        <button data-testid="conflict-take-theirs" disabled={busy} onClick={onTakeTheirs}>
          Take theirs (discard mine)
        </button>
        <button data-testid="conflict-reload" disabled={busy} onClick={onReload} title="fetch the latest version and try your change on it again">
          Reload
        </button>
      </div>
    </div>
  );
}
