import type { Segment } from "@/lib/protocol";
import { rangeFor, segmentTags } from "@/components/markdown/dom-offsets";
import type { SegmentSpan } from "./selection";

/**
 * Selecting model text from the keyboard: j / k move a selection sentence by sentence through
 * the model text, J / K stretch it by one sentence (within a segment), so the whole annotation
 * loop — read, mark (m), edit (e), review (a / x / w), next (n) — needs no mouse. A sentence ends
 * after . ! ? followed by white space, or at a line break; spans trim the white space around them.
 */
export function sentenceSpans(segments: readonly Pick<Segment, "kind" | "text">[]): { segment: number; start: number; end: number }[] {
  const out: { segment: number; start: number; end: number }[] = [];
  segments.forEach((s, segment) => {
    if (s.kind !== "model") return;
    const re = /[^\n]*?(?:[.!?](?=\s)|\n|$)/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(s.text)) !== null) {
      if (m[0].length === 0) {
        re.lastIndex++;
        if (re.lastIndex > s.text.length) break;
        continue;
      }
      let start = m.index;
      let end = m.index + m[0].length;
      while (start < end && /\s/.test(s.text[start]!)) start++;
      while (end > start && /\s/.test(s.text[end - 1]!)) end--;
      if (end > start) out.push({ segment, start, end });
    }
  });
  return out;
}

/** The sentence after (dir 1) or before (dir −1) the current selection; the first or last with none. */
export function moveSentence(spans: readonly { segment: number; start: number; end: number }[], current: SegmentSpan | null, dir: 1 | -1) {
  if (spans.length === 0) return undefined;
  if (!current) return dir === 1 ? spans[0] : spans[spans.length - 1];
  const before = (s: { segment: number; start: number }, c: { segment: number; start: number }) => s.segment < c.segment || (s.segment === c.segment && s.start < c.start);
  if (dir === 1) return spans.find((s) => before(current, s) && !(s.segment === current.segment && s.start < current.end)) ?? spans[spans.length - 1];
  return [...spans].reverse().find((s) => before(s, current)) ?? spans[0];
}

/** The selection stretched to the end of the next sentence (dir 1) or shrunk by the last one (dir −1), in its segment. */
export function stretchSentence(spans: readonly { segment: number; start: number; end: number }[], current: SegmentSpan, dir: 1 | -1) {
  const inSeg = spans.filter((s) => s.segment === current.segment);
  if (dir === 1) {
    const next = inSeg.find((s) => s.end > current.end);
    return next ? { segment: current.segment, start: current.start, end: next.end } : undefined;
  }
  const prev = [...inSeg].reverse().find((s) => s.end < current.end && s.end > current.start);
  return prev ? { segment: current.segment, start: current.start, end: prev.end } : undefined;
}

/** Select a span in the DOM (both views carry the same source offsets) and scroll it into view. */
export function selectSpan(root: HTMLElement | null, span: { segment: number; start: number; end: number }): boolean {
  if (!root) return false;
  const range = rangeFor(segmentTags(root, span.segment), span.start, span.end);
  const sel = window.getSelection();
  if (!range || !sel) return false;
  sel.removeAllRanges();
  sel.addRange(range);
  (range.startContainer.parentElement ?? root).scrollIntoView({ block: "nearest" });
  return true;
}
