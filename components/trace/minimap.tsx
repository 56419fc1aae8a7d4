"use client";

import { memo, useCallback, useEffect, useMemo, useRef, useState, type CSSProperties, type RefObject } from "react";
import type { Segment } from "@/lib/protocol";
import { triggerRegex } from "./highlight";
import { createMarkScanner, type MarkKind, type MinimapMark } from "./minimap-marks";
import "./minimap.css";

const TRACE_VIEW = '[data-testid="trace-view"]';

const KIND_NAMES: Record<MarkKind, string> = { trigger: "trigger", hint: "hint", code: "code", output: "tool output" };

/**
 * Scroll the trace view to a mark: its segment element (data-seg-index) and, inside a long segment,
 * the same fraction of the element's height as the mark is of its text. Segment-level on purpose:
 * how the text inside a segment is rendered (exact or Markdown) is not this component's business.
 */
function scrollToMark(view: HTMLElement, m: MinimapMark, segmentLength: number): void {
  const el = view.querySelector<HTMLElement>(`[data-seg-index="${m.segment}"]`);
  if (!el) return;
  const v = view.getBoundingClientRect();
  const r = el.getBoundingClientRect();
  const within = segmentLength > 0 ? (m.offset / segmentLength) * r.height : 0;
  const y = r.top - v.top + view.scrollTop + within;
  // A third from the top: the mark with some text before it and more after.
  view.scrollTop = Math.max(0, y - view.clientHeight / 3);
}

/**
 * How often the strip's total may change while the trace streams. Every tick's place depends on
 * it (a CSS custom property inherited by all ticks): restyling hundreds of ticks on every chunk
 * made tasks of 100–240 ms at 2,000 chunks/s in a 160k-character trace (bench/streaming.mjs).
 */
const TOTAL_EVERY_MS = 1000;

/** `value`, changing at most once per `ms` (the last value always lands). */
function useThrottled(value: number, ms: number): number {
  const [shown, setShown] = useState(value);
  const last = useRef(0);
  // External system: a timer, for the trailing update.
  useEffect(() => {
    if (value === shown) return;
    const wait = Math.max(0, last.current + ms - Date.now());
    const t = setTimeout(() => {
      last.current = Date.now();
      setShown(value);
    }, wait);
    return () => clearTimeout(t);
  }, [value, shown, ms]);
  return shown;
}

const TickList = memo(function TickList({ marks, onJump }: { marks: MinimapMark[]; onJump: (m: MinimapMark) => void }) {
  return (
    <>
      {marks.map((m) => (
        <button
          key={`${m.kind}:${m.segment}:${m.offset}`}
          type="button"
          tabIndex={-1}
          className={`minimap-tick tick-${m.kind}`}
          data-testid="minimap-tick"
          data-kind={m.kind}
          data-segment={m.segment}
          // Position through a custom property: when the trace grows only the strip's total changes,
          // and the ticks, memoized, are not rendered again.
          style={{ "--pos": m.pos } as CSSProperties}
          title={`${KIND_NAMES[m.kind]}: ${m.label}`}
          aria-label={`${KIND_NAMES[m.kind]} ${m.label} at character ${m.pos}`}
          onClick={() => onJump(m)}
        />
      ))}
    </>
  );
});

/**
 * A thin strip beside the trace view with a tick at each trigger, hint, code block and tool output
 * (at its place in the text); a click scrolls the trace there. Mount it inside the element that
 * holds the TraceView (`host`, with the class `minimap-host`): it lines itself up with the trace
 * view found there, whatever the view shows above it (toolbars).
 */
export function TraceMinimap({ segments, triggers, host }: { segments: readonly Segment[]; triggers: readonly string[]; host: RefObject<HTMLElement | null> }) {
  const re = useMemo(() => triggerRegex(triggers), [triggers]);
  // The scanner caches per segment; a ref keeps it across renders (like the block parse of a segment).
  const scanner = useRef<ReturnType<typeof createMarkScanner>>(null);
  scanner.current ??= createMarkScanner();
  const { marks, total: exactTotal } = scanner.current.scan(segments, re);
  const total = useThrottled(exactTotal, TOTAL_EVERY_MS);
  const [place, setPlace] = useState<{ top: number; height: number } | null>(null);

  // External system: the layout. Line the strip up with the trace view, measured only when
  // something resized (reading offsets per streamed chunk would force a layout each time).
  useEffect(() => {
    const root = host.current;
    const view = root?.querySelector<HTMLElement>(TRACE_VIEW);
    if (!root || !view) return;
    const measure = () => setPlace((p) => (p && p.top === view.offsetTop && p.height === view.offsetHeight ? p : { top: view.offsetTop, height: view.offsetHeight }));
    const ro = new ResizeObserver(measure);
    ro.observe(root);
    ro.observe(view);
    return () => ro.disconnect();
  }, [host]);

  const lengths = useRef<readonly Segment[]>(segments);
  lengths.current = segments;
  const jump = useCallback(
    (m: MinimapMark) => {
      const view = host.current?.querySelector<HTMLElement>(TRACE_VIEW);
      if (view) scrollToMark(view, m, lengths.current[m.segment]?.text.length ?? 0);
    },
    [host],
  );

  if (!place || marks.length === 0) return null;
  return (
    <div className="minimap" data-testid="minimap" aria-label="where triggers, hints, code and outputs are" style={{ top: place.top, height: place.height, "--total": Math.max(1, total) } as CSSProperties}>
      <TickList marks={marks} onJump={jump} />
    </div>
  );
}
