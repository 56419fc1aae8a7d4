"use client";

import { memo, useState } from "react";
import type { TraceEvent } from "@/lib/protocol";

export function describeEvent(e: TraceEvent): string {
  switch (e.type) {
    case "run-started":
      return "run started";
    case "stream-started":
      return `stream ${e.streamId} started (prompt ${e.promptChars.toLocaleString()} chars)`;
    case "stream-ended": {
      const u = e.usage;
      const usage = u
        ? ` · ${u.promptTokens ?? "?"} prompt / ${u.completionTokens ?? "?"} completion tokens${u.cachedTokens !== undefined ? ` · ${u.cachedTokens} cached` : ""}`
        : "";
      return `stream ended: ${e.finishReason}${e.matchedStop ? ` at "${e.matchedStop}"` : ""} · ${e.chars.toLocaleString()} chars in ${Math.round(e.durationMs)} ms${usage}`;
    }
    case "trigger-seen":
      return `trigger "${e.word}" at ${e.offset.toLocaleString()}`;
    case "paused":
      return `paused (${e.reason}${e.word ? ` "${e.word}"` : ""}) at ${e.offset.toLocaleString()}`;
    case "resumed":
      return e.withHint ? "resumed with hint" : "resumed without hint";
    case "hint-injected":
      return `hint ${e.hintId} injected (${e.reason}${e.round ? `, round ${e.round}` : ""}, by ${e.decidedBy})`;
    case "code-executed":
      return `code executed in ${Math.round(e.durationMs)} ms${e.timedOut ? " · timed out" : e.error ? " · error" : ""}${e.truncated ? " · output truncated" : ""}`;
    case "code-skipped":
      return `code not run: ${e.reason}`;
    case "run-finished":
      return `run finished: ${e.reason}`;
    case "error":
      return `error ${e.code}: ${e.message}`;
    case "answer-graded":
      return `answer ${e.answer ?? "(none)"} · ${e.verdict}`;
  }
}

const EventRow = memo(function EventRow({ event, t0, dim }: { event: TraceEvent; t0: number; dim?: boolean }) {
  return (
    <li className={`event event-${event.type}${dim ? " dim" : ""}`} data-testid={dim ? "event-later" : "event"}>
      <span className="muted">{((event.at - t0) / 1000).toFixed(2)}s</span> {describeEvent(event)}
    </li>
  );
});


/** The event log: pauses, injections, executions with durations, stream usage. */
export function EventList({ events, dimFrom, title = "Events" }: { events: readonly TraceEvent[]; dimFrom?: number; title?: string }) {
  const [showTriggers, setShowTriggers] = useState(true);
  if (!events.length) {
    return (
      <aside className="panel events">
        <h3>{title}</h3>
        <p className="muted small">Pauses, injections, executions and stream usage appear here.</p>
      </aside>
    );
  }
  const t0 = events[0]!.at;
  return (
    <aside className="panel events" data-testid="events-panel">
      <h3>
        {title} ({events.length}){" "}
        <label className="small muted inline">
          <input type="checkbox" checked={showTriggers} onChange={(e) => setShowTriggers(e.target.checked)} /> triggers
        </label>
      </h3>
      <ol>
        {events.map((e, i) =>
          showTriggers || e.type !== "trigger-seen" ? <EventRow key={i} event={e} t0={t0} dim={dimFrom !== undefined && i >= dimFrom} /> : null,
        )}
      </ol>
    </aside>
  );
}
