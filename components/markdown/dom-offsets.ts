/**
 * Source offsets ↔ DOM positions, the same way in both views of a trace. Every piece of text the
 * trace view shows sits in an element tagged `data-o`/`data-e` (its segment offsets) inside a
 * segment element tagged `data-seg-index`:
 * - exact view: one tag per block, its text one for one (`data-lin`);
 * - rendered view: one tag per text run, code block or math (source-offsets.ts); `data-lin` where
 *   the characters are the source's, atomic otherwise (math: a point inside snaps to an end).
 * A selection maps to offsets with pointToOffset; a find match or a highlight maps back with
 * rangeFor (a DOM Range, for the CSS Custom Highlight API and for scrolling).
 */

export interface SourcePoint {
  segment: number;
  offset: number;
}

const TAG = "[data-o]";

function elementOf(node: Node): Element | null {
  return node.nodeType === Node.ELEMENT_NODE ? (node as Element) : node.parentElement;
}

/** Characters of `el`'s text before (node, offset). */
function textBefore(el: Element, node: Node, offset: number): number {
  const range = document.createRange();
  range.selectNodeContents(el);
  range.setEnd(node, offset);
  return range.toString().length;
}

function tagBounds(tag: HTMLElement): { o: number; e: number; lin: boolean } {
  return { o: Number(tag.dataset.o), e: Number(tag.dataset.e), lin: tag.dataset.lin !== undefined };
}

/**
 * The segment offset of a DOM point (a selection's start or end), or null outside segments. A
 * point between tagged elements (an element boundary, a bare line break) resolves to the next
 * tagged text's start, or the previous one's end at the end of a segment.
 */
export function pointToOffset(node: Node, offset: number): SourcePoint | null {
  const el = elementOf(node);
  const seg = el?.closest<HTMLElement>("[data-seg-index]");
  if (!el || !seg) return null;
  const segment = Number(seg.dataset.segIndex);
  const tag = el.closest<HTMLElement>(TAG);
  if (tag && seg.contains(tag)) {
    const { o, e, lin } = tagBounds(tag);
    const before = textBefore(tag, node, offset);
    if (lin) return { segment, offset: Math.min(e, o + before) };
    return { segment, offset: before === 0 ? o : e };
  }
  // Not inside a tag: find the first tag at or after the point in document order.
  const probe = document.createRange();
  probe.setStart(node, offset);
  const tags = seg.querySelectorAll<HTMLElement>(TAG);
  let last: HTMLElement | undefined;
  for (const t of tags) {
    if (probe.comparePoint(t, 0) >= 0) return { segment, offset: tagBounds(t).o };
    last = t;
  }
  return last ? { segment, offset: tagBounds(last).e } : { segment, offset: 0 };
}

/** The DOM point of a segment offset inside one tag. */
function pointIn(tag: HTMLElement, offset: number, atEnd: boolean): [Node, number] {
  const { o, e, lin } = tagBounds(tag);
  if (!lin) {
    // An atom (rendered math) is covered whole or not at all.
    const after = atEnd ? offset > o : offset >= e;
    return [tag.parentNode!, indexIn(tag) + (after ? 1 : 0)];
  }
  let left = Math.max(0, Math.min(offset, e) - o);
  const walker = document.createTreeWalker(tag, NodeFilter.SHOW_TEXT);
  let lastText: Text | null = null;
  for (let n = walker.nextNode() as Text | null; n; n = walker.nextNode() as Text | null) {
    // At a boundary between two texts, an end stays in the left one, a start moves to the right.
    if (left < n.length || (atEnd && left === n.length)) return [n, left];
    left -= n.length;
    lastText = n;
  }
  return lastText ? [lastText, lastText.length] : [tag, 0];
}

function indexIn(el: Element): number {
  return Array.prototype.indexOf.call(el.parentNode!.childNodes, el) as number;
}

/** The tagged elements of one segment, in order, for rangeFor (build once per batch of lookups). */
export function segmentTags(root: ParentNode, segment: number): HTMLElement[] {
  const seg = root.querySelector(`[data-seg-index="${segment}"]`);
  return seg ? Array.from(seg.querySelectorAll<HTMLElement>(TAG)) : [];
}

/** The tag holding `offset` (the first whose end is past it), by binary search over ordered tags. */
function tagAt(tags: HTMLElement[], offset: number, atEnd: boolean): HTMLElement | undefined {
  let lo = 0;
  let hi = tags.length - 1;
  let found: HTMLElement | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const { e } = tagBounds(tags[mid]!);
    if (atEnd ? e >= offset : e > offset) {
      found = tags[mid];
      hi = mid - 1;
    } else lo = mid + 1;
  }
  return found ?? tags[tags.length - 1];
}

/** A DOM Range over [start, end) of a segment, given its tags (segmentTags), or null. */
export function rangeFor(tags: HTMLElement[], start: number, end: number): Range | null {
  if (!tags.length || end < start) return null;
  const a = tagAt(tags, start, false);
  const b = tagAt(tags, end, true);
  if (!a || !b) return null;
  const range = document.createRange();
  const [sn, so] = pointIn(a, Math.max(start, tagBounds(a).o), false);
  const [en, eo] = pointIn(b, end, true);
  range.setStart(sn, so);
  range.setEnd(en, eo);
  return range;
}
