"use client";

import { useEffect, type RefObject } from "react";

const TRACE_VIEW = '[data-testid="trace-view"]';
const PAUSE_MARKER = '[data-testid="pause-marker"]';
// Room left under the marker, so it does not sit on the view's border.
const BOTTOM_GAP = 12;

/**
 * While paused, keep the pause marker (and the text just before it) in view in the trace view
 * under `host`. The layout changes as the pause begins (the hint picker appears, its editor loads
 * and grows on focus), and each change shrinks the trace view from below: re-pin the marker on
 * every resize, unless the reader scrolled away from it.
 *
 * Keyed by `pauseKey` (one per pause); undefined while not paused.
 */
export function usePauseInView(host: RefObject<HTMLElement | null>, pauseKey: string | undefined): void {
  // External system: the trace view's scroll position and size.
  useEffect(() => {
    if (!pauseKey) return;
    const view = host.current?.querySelector<HTMLElement>(TRACE_VIEW);
    if (!view) return;
    const marker = () => view.querySelector<HTMLElement>(PAUSE_MARKER);
    let pinned = true;
    let ownScroll = -1;
    const pin = () => {
      const m = marker();
      if (!m) return;
      const v = view.getBoundingClientRect();
      const r = m.getBoundingClientRect();
      const delta = r.bottom - (v.bottom - BOTTOM_GAP);
      if (Math.abs(delta) > 1) view.scrollTop += delta;
      ownScroll = view.scrollTop;
    };
    const onScroll = () => {
      if (Math.abs(view.scrollTop - ownScroll) <= 1) return;
      // The reader scrolled: follow the marker again only once it is back in view.
      const m = marker();
      if (!m) return;
      const v = view.getBoundingClientRect();
      const r = m.getBoundingClientRect();
      pinned = r.bottom <= v.bottom && r.top >= v.top;
    };
    const ro = new ResizeObserver(() => {
      if (pinned) pin();
    });
    pin();
    ro.observe(view);
    view.addEventListener("scroll", onScroll, { passive: true });
    return () => {
      ro.disconnect();
      view.removeEventListener("scroll", onScroll);
    };
  }, [host, pauseKey]);
}
