import type { Edit, Segment, TraceEvent } from "@/lib/protocol";
import { deriveEdited } from "./edited";
import { forkPrefix } from "./restore";

/** What a fork continued from an edit starts with (see {@link editForkPrefix}). */
export interface EditForkPrefix {
  segments: Segment[];
  events: TraceEvent[];
  /** The fork point on the parent: the edit's segment, at the edit's end. */
  at: { segment: number; offset: number };
  /**
   * Where the fork's text first differs from the parent's: the start of the first edit applied.
   * Segment indices and text agree before it, so token probabilities can be copied up to there.
   */
  unchangedUntil: { segment: number; offset: number };
}

/**
 * The prefix of a fork that continues from an edit ("correct and continue"): the edited view of
 * the trace up to the end of edit `editId` — the segments before the edit's segment, then that
 * segment cut at the edit's end — with every edit lying wholly inside it applied as an `edit`
 * segment (text = replacement, `original`, `editId` and `author` kept). The model's text after the
 * edit, `</think>` included, is left out: the model writes the rest. Events are cut as
 * `forkPrefix` cuts them. Throws when the edit is not on the trace or no longer applies.
 *
 * Stored edit segments are model text to the engine: the prompt of the next request is the
 * template's prompt plus every segment's text, so it ends with exactly the corrected text.
 */
export function editForkPrefix(segments: readonly Segment[], events: readonly TraceEvent[], edits: readonly Edit[], editId: string): EditForkPrefix {
  const edit = edits.find((e) => e.id === editId);
  if (!edit) throw new Error(`edit ${editId} is not on this trace`);
  const target = segments[edit.segment];
  if (!target || target.kind !== "model") throw new Error(`edit ${editId} is not on model text (segment ${edit.segment})`);
  if (edit.end > target.text.length) throw new Error(`edit ${editId} ends past its segment (${edit.end} > ${target.text.length})`);
  const at = { segment: edit.segment, offset: edit.end };
  const prefix = forkPrefix(segments, events, at);
  // forkPrefix leaves a segment cut at offset 0 out; an insertion at the very start still needs it.
  if (edit.end === 0) prefix.segments.push({ ...target, text: "" });
  // Inside the prefix: edits of earlier segments, and of this one those ending by the edit's end
  // (an insertion exactly at its end belongs to the text after it, which the fork does not keep).
  const inside = edits.filter((e) => e.segment < edit.segment || (e.segment === edit.segment && (e.id === edit.id || (e.end <= edit.end && e.start < edit.end))));
  const derived = deriveEdited(prefix.segments, inside);
  if (derived.skippedEdits.some((e) => e.id === edit.id)) throw new Error(`edit ${editId} no longer applies: the text it replaced is not there`);
  const byId = new Map(inside.map((e) => [e.id, e]));
  const applied = inside.filter((e) => !derived.skippedEdits.includes(e));
  const first = applied.reduce((a, b) => (b.segment < a.segment || (b.segment === a.segment && b.start < a.start) ? b : a), edit);
  return {
    segments: derived.segments.map((s) => {
      const e = s.kind === "edit" ? byId.get(s.id) : undefined;
      // Not the edit's own id: the restored engine numbers new segments past every trailing
      // number in the ids, and a UUID may end in a long one.
      return e ? { ...s, id: `${e.id}@edit`, editId: e.id, author: e.author } : s;
    }),
    events: prefix.events,
    at,
    unchangedUntil: { segment: first.segment, offset: first.start },
  };
}
