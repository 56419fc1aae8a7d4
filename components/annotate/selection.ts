import { pointToOffset } from "@/components/markdown/dom-offsets";

/** A selection inside one segment's text, in that segment's character offsets. */
export interface SegmentSpan {
  segment: number;
  start: number;
  end: number;
  text: string;
}

/**
 * The current DOM selection as a span of one segment, or null (collapsed, outside, or across
 * segments). `source` gives a segment's text: the span's text is then the exact characters, not
 * what the rendered view shows for them (rendered math, Markdown without its marks).
 */
export function currentSegmentSpan(root: HTMLElement | null, source?: (segment: number) => string | undefined): SegmentSpan | null {
  const sel = window.getSelection();
  if (!root || !sel || sel.isCollapsed || sel.rangeCount === 0) return null;
  const range = sel.getRangeAt(0);
  if (!root.contains(range.commonAncestorContainer)) return null;
  // The same offsets in the exact and the rendered view (components/markdown/dom-offsets.ts).
  const a = pointToOffset(range.startContainer, range.startOffset);
  const b = pointToOffset(range.endContainer, range.endOffset);
  if (!a || !b || a.segment !== b.segment || b.offset <= a.offset) return null;
  const text = source?.(a.segment)?.slice(a.offset, b.offset) ?? range.toString();
  return { segment: a.segment, start: a.offset, end: b.offset, text };
}
