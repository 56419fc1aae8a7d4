import { AppError, type AdjudicateBody, type Annotation, type AssignmentWork, type Edit, type FinalVersion } from "@/lib/protocol";

/**
 * The version of a queue item that exports. One annotator: theirs. Several: theirs when they
 * agree — the same decision and the same edits (span and replacement) — with their marks
 * combined; otherwise nothing until a researcher adjudicates: chooses one annotator's version or
 * merges chosen edits and marks under a decision.
 */

export interface DoneWork {
  annotator: string;
  work: AssignmentWork;
  doneAt: number;
}

const editKey = (e: Pick<Edit, "segment" | "start" | "end" | "replacement">) => `${e.segment}:${e.start}:${e.end}:${e.replacement}`;
const markKey = (a: Pick<Annotation, "segment" | "start" | "end" | "label">) => `${a.segment}:${a.start}:${a.end}:${a.label}`;

/** Same decision and the same set of edits. */
export function worksAgree(works: readonly DoneWork[]): boolean {
  if (works.length < 2) return true;
  const editSet = (w: DoneWork) => [...new Set(w.work.edits.map(editKey))].sort().join("\n");
  const [first, ...rest] = works;
  return rest.every((w) => w.work.review === first!.work.review && editSet(w) === editSet(first!));
}

/** Marks of several annotators, one per (span, label); the earliest kept. */
function unionMarks(works: readonly DoneWork[]): Annotation[] {
  const seen = new Map<string, Annotation>();
  for (const w of works) for (const a of w.work.annotations) if (!seen.has(markKey(a))) seen.set(markKey(a), a);
  return [...seen.values()];
}

/** The final version the done works give by themselves, or undefined (not all done, or a disagreement). */
export function automaticFinal(required: number, works: readonly DoneWork[], now: number): FinalVersion | undefined {
  const decided = works.filter((w) => w.work.review !== "unreviewed");
  if (decided.length < required || decided.length === 0) return undefined;
  const used = [...decided].sort((a, b) => a.doneAt - b.doneAt).slice(0, required);
  if (!worksAgree(used)) return undefined;
  const first = used[0]!;
  const notes = used.map((w) => w.work.note).filter((n): n is string => !!n);
  return {
    review: first.work.review,
    ...(notes.length ? { note: notes.join("\n\n") } : {}),
    annotations: unionMarks(used),
    edits: first.work.edits,
    from: used.map((w) => w.annotator),
    how: used.length === 1 ? "single" : "agreed",
    by: "automatic",
    at: now,
  };
}

/** A researcher's adjudication of an item from its annotators' works. */
export function adjudicate(works: readonly DoneWork[], body: AdjudicateBody, by: string, now: number): FinalVersion {
  if ("choose" in body) {
    const w = works.find((x) => x.annotator === body.choose);
    if (!w) throw new AppError("bad-request", `${body.choose} has no review on this item (annotators: ${works.map((x) => x.annotator).join(", ") || "none"})`);
    if (w.work.review === "unreviewed") throw new AppError("bad-request", `${body.choose} has not decided this item yet`);
    return {
      review: w.work.review,
      ...(w.work.note ? { note: w.work.note } : {}),
      annotations: w.work.annotations,
      edits: w.work.edits,
      from: [w.annotator],
      how: "adjudicated",
      by,
      at: now,
    };
  }
  const { merge } = body;
  const editsById = new Map<string, { edit: Edit; from: string }>();
  const marksById = new Map<string, { mark: Annotation; from: string }>();
  for (const w of works) {
    for (const e of w.work.edits) editsById.set(e.id, { edit: e, from: w.annotator });
    for (const a of w.work.annotations) marksById.set(a.id, { mark: a, from: w.annotator });
  }
  const edits = merge.edits.map((id) => {
    const e = editsById.get(id);
    if (!e) throw new AppError("bad-request", `edit ${id} is not one of this item's edits`);
    return e;
  });
  const sorted = [...edits].sort((a, b) => a.edit.segment - b.edit.segment || a.edit.start - b.edit.start);
  for (let i = 1; i < sorted.length; i++) {
    const p = sorted[i - 1]!.edit;
    const c = sorted[i]!.edit;
    if (p.segment === c.segment && c.start < p.end) {
      throw new AppError("bad-request", `the chosen edits of ${sorted[i - 1]!.from} and ${sorted[i]!.from} overlap (segment ${c.segment}, characters ${c.start}–${p.end}); choose one of them`);
    }
  }
  const marks = merge.annotations.map((id) => {
    const a = marksById.get(id);
    if (!a) throw new AppError("bad-request", `mark ${id} is not one of this item's marks`);
    return a;
  });
  const from = [...new Set([...edits.map((e) => e.from), ...marks.map((m) => m.from)])];
  return {
    review: merge.review,
    ...(merge.note ? { note: merge.note } : {}),
    annotations: marks.map((m) => m.mark),
    edits: edits.map((e) => e.edit),
    from,
    how: "adjudicated",
    by,
    at: now,
  };
}
