import type { Segment } from "@/lib/protocol";

/** One occurrence of the search text, in segment offsets (the same in both views). */
export interface FindMatch {
  segment: number;
  start: number;
  end: number;
}

/** Segments whose text the trace view shows and find searches (the prompt is folded away). */
const SEARCHED = new Set<Segment["kind"]>(["model", "edit", "hint", "tool_output"]);

/**
 * Every case-insensitive occurrence of `query` in the shown segments, in reading order; at most
 * `limit` (a one-letter query in a 160k-character trace would otherwise light up everything).
 */
export function findMatches(segments: readonly Segment[], query: string, limit = 5000): FindMatch[] {
  const q = query.toLocaleLowerCase();
  if (!q) return [];
  const out: FindMatch[] = [];
  segments.forEach((s, segment) => {
    if (!SEARCHED.has(s.kind) || out.length >= limit) return;
    const text = s.text.toLocaleLowerCase();
    // Lower-casing can change a string's length (e.g. "İ"); then offsets would drift: search the original.
    const hay = text.length === s.text.length ? text : s.text;
    const needle = text.length === s.text.length ? q : query;
    for (let i = hay.indexOf(needle); i !== -1 && out.length < limit; i = hay.indexOf(needle, i + needle.length)) {
      out.push({ segment, start: i, end: i + needle.length });
    }
  });
  return out;
}

/** The match index to show after a query change: the first at or after the one shown before. */
export function nearestMatch(matches: readonly FindMatch[], previous: FindMatch | undefined): number {
  if (!previous || !matches.length) return 0;
  const i = matches.findIndex((m) => m.segment > previous.segment || (m.segment === previous.segment && m.start >= previous.start));
  return i === -1 ? 0 : i;
}
