"use client";

import { useEffect, useMemo, useRef } from "react";
import type { Segment, TraceEvent } from "@/lib/protocol";
import { triggerRegex } from "./highlight";
import { HintSegmentView, ModelSegmentView, PromptView, ToolOutputView } from "./segment-view";

const OPENS_CODE = /```(python|py)[ \t]*\n$/;

/**
 * The trace as segments: model text (triggers highlighted, code blocks), injected hints, tool
 * outputs. Segments are memoized by identity, so while streaming only the last one re-renders.
 */
export function TraceView({
  segments,
  events,
  triggers,
  live,
  pause,
}: {
  segments: Segment[];
  events: TraceEvent[];
  triggers: string[];
  live: boolean;
  /** While paused: the pause point that was cut from the text (trigger or end-of-thinking marker). */
  pause?: { word: string; reason: string };
}) {
  const re = useMemo(() => triggerRegex(triggers), [triggers]);
  // Each tool_output segment comes from one execution or one skipped block, in order.
  const executions = useMemo(() => events.filter((e) => e.type === "code-executed" || e.type === "code-skipped"), [events]);
  const scroller = useRef<HTMLDivElement>(null);
  const follow = useRef(true);
  const tailKey = `${segments.length}:${segments[segments.length - 1]?.text.length ?? 0}`;

  // External system: the scroll position. Follow the tail while the user is at the bottom.
  useEffect(() => {
    const el = scroller.current;
    if (el && live && follow.current) el.scrollTop = el.scrollHeight;
  }, [tailKey, live]);

  let execIndex = 0;
  return (
    <div
      className="trace-view"
      data-testid="trace-view"
      ref={scroller}
      onScroll={(e) => {
        const el = e.currentTarget;
        follow.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
      }}
    >
      {segments.length === 0 && <p className="muted">The model&apos;s chain of thought will stream here.</p>}
      {segments.map((s, i) => {
        switch (s.kind) {
          case "prompt":
            return <PromptView key={s.id} segment={s} index={i} />;
          case "hint":
            return <HintSegmentView key={s.id} segment={s} index={i} />;
          case "tool_output":
            return <ToolOutputView key={s.id} segment={s} execution={executions[execIndex++]} index={i} />;
          default: {
            const prev = segments[i - 1];
            return (
              <ModelSegmentView key={s.id} segment={s} index={i} startsInCode={!!prev && prev.kind === "hint" && OPENS_CODE.test(prev.text)} triggers={re} />
            );
          }
        }
      })}
      {pause && (
        <mark className="pause-marker" data-testid="pause-marker" title={`paused here (${pause.reason}); not yet in the text`}>
          ⏸ {pause.word}
        </mark>
      )}
    </div>
  );
}
