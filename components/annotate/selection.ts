/** A selection inside one segment's text, in that segment's character offsets. */
export interface SegmentSpan {
  segment: number;
  start: number;
  end: number;
  text: string;
}

/** Offset of (node, offset) in its segment: the block's start + the text before it in the block. */
function pointOffset(node: Node, offset: number): { segment: number; offset: number } | null {
  const el = node.nodeType === Node.ELEMENT_NODE ? (node as Element) : node.parentElement;
  const block = el?.closest<HTMLElement>("[data-block-start]");
  const seg = el?.closest<HTMLElement>("[data-seg-index]");
  if (!block || !seg) return null;
  const range = document.createRange();
  range.selectNodeContents(block);
  range.setEnd(node, offset);
  return { segment: Number(seg.dataset.segIndex), offset: Number(block.dataset.blockStart) + range.toString().length };
}

/** The current DOM selection as a span of one segment, or null (collapsed, outside, or across segments). */
export function currentSegmentSpan(root: HTMLElement | null): SegmentSpan | null {
  const sel = window.getSelection();
  if (!root || !sel || sel.isCollapsed || sel.rangeCount === 0) return null;
  const range = sel.getRangeAt(0);
  if (!root.contains(range.commonAncestorContainer)) return null;
  const a = pointOffset(range.startContainer, range.startOffset);
  const b = pointOffset(range.endContainer, range.endOffset);
  if (!a || !b || a.segment !== b.segment || b.offset <= a.offset) return null;
  return { segment: a.segment, start: a.offset, end: b.offset, text: range.toString() };
}
