"use client";

import { useEffect, useMemo, useRef, useState, type RefObject } from "react";
import type { Segment } from "@/lib/protocol";
import { rangeFor, segmentTags } from "@/components/markdown/dom-offsets";
import { findMatches, nearestMatch, type FindMatch } from "./find";

const ALL = "trace-find";
const CURRENT = "trace-find-current";

/** The CSS Custom Highlight registry, where the browser has one (Chromium, Safari 17.2+, Firefox 140+). */
function registry(): HighlightRegistry | undefined {
  return typeof CSS !== "undefined" && "highlights" in CSS ? CSS.highlights : undefined;
}

/**
 * Find in trace: a search box with "N of M", Enter / Shift+Enter (or the arrows) to jump. Matches
 * are found in the segments' own text and shown with the CSS Custom Highlight API, so they are the
 * same characters in the rendered and the exact view and no block re-renders to show them. Ranges
 * are rebuilt when the view's DOM changes (a block rendered as it scrolls into view, streaming).
 * Key `/` focuses the box.
 */
export function FindBar({ segments, root }: { segments: readonly Segment[]; root: RefObject<HTMLDivElement | null> }) {
  const [query, setQuery] = useState("");
  // The current match, derived: the first match at or after `anchor` (the match shown when the
  // query last changed), moved `step` matches on by the arrows.
  const [{ anchor, step }, setCursor] = useState<{ anchor?: FindMatch; step: number }>({ step: 0 });
  const input = useRef<HTMLInputElement>(null);
  const matches = useMemo(() => findMatches(segments, query), [segments, query]);
  const shown = useRef<FindMatch | undefined>(undefined);
  const n = matches.length;
  const index = n ? (((nearestMatch(matches, anchor) + step) % n) + n) % n : -1;

  // External system: the keyboard (/ focuses the box, outside inputs and editors).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || t?.closest("input, textarea, select, .monaco-editor, [contenteditable]")) return;
      e.preventDefault();
      input.current?.focus();
      input.current?.select();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  // External system: the browser's highlight registry and the view's DOM.
  useEffect(() => {
    const reg = registry();
    const el = root.current;
    if (!el) return;
    if (!matches.length) {
      reg?.delete(ALL);
      reg?.delete(CURRENT);
      return;
    }
    let frame = 0;
    const paint = () => {
      frame = 0;
      const bySegment = new Map<number, HTMLElement[]>();
      const tagsOf = (s: number) => bySegment.get(s) ?? (bySegment.set(s, segmentTags(el, s)), bySegment.get(s)!);
      const ranges = matches.map((m) => rangeFor(tagsOf(m.segment), m.start, m.end));
      const live = ranges.filter((r): r is Range => r !== null);
      if (reg) {
        reg.set(ALL, new Highlight(...live));
        const cur = ranges[index];
        if (cur) reg.set(CURRENT, new Highlight(cur));
        else reg.delete(CURRENT);
      }
      return ranges[index] ?? null;
    };
    const cur = paint();
    // Bring the current match into view once per change of match, not on every repaint.
    const m = matches[index];
    if (cur && m && (shown.current?.segment !== m.segment || shown.current.start !== m.start || shown.current.end !== m.end)) {
      shown.current = m;
      const r = cur.getBoundingClientRect();
      const box = el.getBoundingClientRect();
      if (r.top < box.top || r.bottom > box.bottom) el.scrollTop += r.top - box.top - el.clientHeight / 2;
    }
    const mo = new MutationObserver(() => {
      if (!frame) frame = requestAnimationFrame(paint);
    });
    mo.observe(el, { childList: true, subtree: true, characterData: true });
    return () => {
      mo.disconnect();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [matches, index, root]);

  // Highlights belong to this view: clear them when it goes away.
  useEffect(
    () => () => {
      registry()?.delete(ALL);
      registry()?.delete(CURRENT);
    },
    [],
  );

  const go = (dir: 1 | -1) => {
    if (n) setCursor((c) => ({ ...c, step: c.step + dir }));
  };

  return (
    <span className="find-bar" role="search">
      <input
        ref={input}
        type="search"
        placeholder="Find in trace  /"
        aria-label="Find in trace"
        data-testid="find-input"
        value={query}
        onChange={(e) => {
          setCursor({ anchor: matches[index], step: 0 });
          shown.current = undefined;
          setQuery(e.target.value);
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter" || e.key === "ArrowDown" || e.key === "ArrowUp") {
            e.preventDefault();
            go(e.key === "ArrowUp" || (e.key === "Enter" && e.shiftKey) ? -1 : 1);
          } else if (e.key === "Escape") {
            setQuery("");
            e.currentTarget.blur();
          }
        }}
      />
      <span className="small muted find-count" data-testid="find-count" aria-live="polite">
        {query ? (matches.length ? `${index + 1} of ${matches.length}` : "no matches") : ""}
      </span>
      <button type="button" className="small" onClick={() => go(-1)} disabled={!matches.length} aria-label="Previous match" data-testid="find-prev">
        ↑
      </button>
      <button type="button" className="small" onClick={() => go(1)} disabled={!matches.length} aria-label="Next match" data-testid="find-next">
        ↓
      </button>
    </span>
  );
}
