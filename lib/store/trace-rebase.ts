import type { Annotation, Edit, Review, ReviewStatus, Trace } from "@/lib/protocol";

/**
 * An annotator's intended change, kept apart from the version it was made on so that after a
 * 409 (someone else saved first) it can be carried over to the fresh trace. Each kind carries
 * what is needed to tell whether it still means the same thing there: the text an edit or a
 * mark was made on, the review it replaced, the tags added and removed (not the whole list).
 */
export type TraceChange =
  | { kind: "review"; status: ReviewStatus; note?: string }
  | { kind: "tags"; add: string[]; remove: string[] }
  | { kind: "annotation"; annotation: NewAnnotation; text: string }
  | { kind: "remove-annotation"; id: string }
  | { kind: "edit"; edit: NewEdit; original: string }
  | { kind: "remove-edit"; id: string };

export type NewAnnotation = Omit<Annotation, "id" | "author" | "createdAt">;
export type NewEdit = { segment: number; start: number; end: number; replacement: string };

/** What someone else has on the fresh version where the change collides with it. */
export type Theirs =
  | { kind: "edits"; edits: Edit[] }
  | { kind: "text"; current: string }
  | { kind: "review"; review?: Review };

export type Rebased =
  /** Still means the same on the fresh version (possibly moved to where its text now is). */
  | { outcome: "applies"; change: TraceChange }
  /** The fresh version already has it (someone made the same change); nothing to send. */
  | { outcome: "done"; reason: string }
  /** Collides with someone else's change: the user chooses. `canKeepMine`: it can still be saved on the fresh version. */
  | { outcome: "conflict"; reason: string; theirs: Theirs; canKeepMine: boolean };

const sameReview = (a: Review | undefined, b: Review | undefined) =>
  (a?.status ?? "unreviewed") === (b?.status ?? "unreviewed") && (a?.note ?? "") === (b?.note ?? "") && a?.author === b?.author;

/** Offsets of `text` in `haystack` when it occurs there exactly once. */
function uniqueOffset(haystack: string, text: string): number | undefined {
  if (!text) return undefined;
  const first = haystack.indexOf(text);
  return first >= 0 && haystack.indexOf(text, first + 1) < 0 ? first : undefined;
}

/**
 * Where a span's text is on the fresh segment: the same offsets when the text is still there,
 * otherwise its only occurrence in that segment (text moved), otherwise undefined.
 */
function locate(fresh: Trace, span: { segment: number; start: number; end: number }, text: string): { start: number; end: number } | undefined {
  const seg = fresh.segments[span.segment];
  if (!seg) return undefined;
  if (seg.text.slice(span.start, span.end) === text) return { start: span.start, end: span.end };
  const at = uniqueOffset(seg.text, text);
  return at === undefined ? undefined : { start: at, end: at + text.length };
}

/** The tags a tag change leaves on `trace` (adds win over an absent tag, removes over a present one). */
export function tagsAfter(trace: Pick<Trace, "tags">, change: { add: string[]; remove: string[] }): string[] {
  const remove = new Set(change.remove);
  return [...new Set([...(trace.tags ?? []), ...change.add])].filter((t) => !remove.has(t));
}

/** The tag change that turns `before` into `after`. */
export function tagChange(before: readonly string[], after: readonly string[]): { add: string[]; remove: string[] } {
  return { add: after.filter((t) => !before.includes(t)), remove: before.filter((t) => !after.includes(t)) };
}

/**
 * Carry `change`, made on `base`, over to `fresh` (the server's current version). Pure: the
 * store calls it after a 409 and either re-sends the result, reports it done, or shows both sides.
 */
export function rebaseChange(change: TraceChange, base: Trace, fresh: Trace): Rebased {
  switch (change.kind) {
    case "review": {
      const mine = { status: change.status, note: change.note ?? "" };
      if ((fresh.review?.status ?? "unreviewed") === mine.status && (fresh.review?.note ?? "") === mine.note) {
        return { outcome: "done", reason: "The latest version already has this review." };
      }
      // Someone else's write touched something else (a mark, an edit): the review is still the one the user replaced.
      if (sameReview(base.review, fresh.review)) return { outcome: "applies", change };
      return {
        outcome: "conflict",
        reason: `${fresh.review?.author ?? "Someone else"} reviewed this trace meanwhile.`,
        theirs: { kind: "review", review: fresh.review },
        canKeepMine: true,
      };
    }
    case "tags": {
      const next = tagsAfter(fresh, change);
      const now = fresh.tags ?? [];
      if (next.length === now.length && next.every((t) => now.includes(t))) return { outcome: "done", reason: "The latest version already has these tags." };
      return { outcome: "applies", change };
    }
    case "annotation": {
      const a = change.annotation;
      const same = (fresh.annotations ?? []).find(
        (x) => x.segment === a.segment && x.start === a.start && x.end === a.end && x.label === a.label && (x.comment ?? "") === (a.comment ?? ""),
      );
      if (same) return { outcome: "done", reason: "The latest version already has this mark." };
      const at = locate(fresh, a, change.text);
      if (!at) {
        const current = fresh.segments[a.segment]?.text.slice(a.start, a.end) ?? "";
        return { outcome: "conflict", reason: "The text you marked is no longer in this segment.", theirs: { kind: "text", current }, canKeepMine: false };
      }
      return { outcome: "applies", change: { ...change, annotation: { ...a, ...at } } };
    }
    case "remove-annotation":
      return (fresh.annotations ?? []).some((x) => x.id === change.id)
        ? { outcome: "applies", change }
        : { outcome: "done", reason: "Someone else already removed this mark." };
    case "remove-edit":
      return (fresh.edits ?? []).some((x) => x.id === change.id)
        ? { outcome: "applies", change }
        : { outcome: "done", reason: "Someone else already removed this edit." };
    case "edit": {
      const e = change.edit;
      if ((fresh.edits ?? []).some((x) => x.segment === e.segment && x.start === e.start && x.end === e.end && x.replacement === e.replacement)) {
        return { outcome: "done", reason: "The latest version already has this edit." };
      }
      const at = locate(fresh, e, change.original);
      if (!at) {
        const current = fresh.segments[e.segment]?.text.slice(e.start, e.end) ?? "";
        return { outcome: "conflict", reason: "The text you edited is no longer in this segment.", theirs: { kind: "text", current }, canKeepMine: false };
      }
      const overlapping = (fresh.edits ?? []).filter((x) => x.segment === e.segment && x.start < at.end && at.start < x.end);
      if (overlapping.length) {
        const who = [...new Set(overlapping.map((x) => x.author))].join(", ");
        return { outcome: "conflict", reason: `${who} edited this text meanwhile.`, theirs: { kind: "edits", edits: overlapping }, canKeepMine: true };
      }
      return { outcome: "applies", change: { ...change, edit: { ...e, ...at } } };
    }
  }
}
