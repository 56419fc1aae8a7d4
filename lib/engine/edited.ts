import type { Edit, Segment } from "@/lib/protocol";

/**
 * The edited view of a trace: every applicable edit replaces its span of a `model` segment with
 * an `edit` segment (text = replacement, `original` = the replaced text); the rest of that model
 * segment stays `model`. Stored segments are never changed — this is derived on every read.
 *
 * It lives in the engine because a fork continued from an edit stores part of this view as its
 * own segments (editForkPrefix), which the model then goes on from; exports derive it too.
 *
 * An edit applies when its segment exists and is `model` text, its span lies inside the segment,
 * `original` still equals the text of that span, and it does not overlap an edit applied before
 * it (edits are taken in span order, then creation order). The store enforces all of this on
 * write, so skipped edits only come from hand-made files; `skippedEdits` lists them.
 */
export function applyEdits(segments: readonly Segment[], edits: readonly Edit[] | undefined): Segment[] {
  return deriveEdited(segments, edits).segments;
}

export function deriveEdited(segments: readonly Segment[], edits: readonly Edit[] | undefined): { segments: Segment[]; skippedEdits: Edit[] } {
  if (!edits?.length) return { segments: [...segments], skippedEdits: [] };
  const bySegment = new Map<number, Edit[]>();
  const skippedEdits: Edit[] = [];
  const ordered = [...edits].sort((a, b) => a.segment - b.segment || a.start - b.start || a.end - b.end || a.createdAt - b.createdAt || cmp(a.id, b.id));
  for (const e of ordered) {
    const s = segments[e.segment];
    const list = bySegment.get(e.segment) ?? [];
    const last = list[list.length - 1];
    const ok =
      s !== undefined &&
      s.kind === "model" &&
      e.start <= e.end &&
      e.end <= s.text.length &&
      s.text.slice(e.start, e.end) === e.original &&
      (!last || last.end <= e.start);
    if (!ok) {
      skippedEdits.push(e);
      continue;
    }
    list.push(e);
    bySegment.set(e.segment, list);
  }
  const out: Segment[] = [];
  segments.forEach((s, i) => {
    const list = bySegment.get(i);
    if (!list) {
      out.push(s);
      return;
    }
    let at = 0;
    const model = (from: number, to: number) => {
      // The first piece keeps the segment's id; later pieces are named by their offset in it.
      if (to > from) out.push({ ...s, id: from === 0 ? s.id : `${s.id}@${from}`, text: s.text.slice(from, to) });
    };
    for (const e of list) {
      model(at, e.start);
      out.push({ id: e.id, kind: "edit", text: e.replacement, original: e.original });
      at = e.end;
    }
    model(at, s.text.length);
  });
  return { segments: out, skippedEdits };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
