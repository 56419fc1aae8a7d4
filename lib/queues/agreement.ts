import type { Annotation, ReviewStatus } from "@/lib/protocol";

/**
 * Agreement between annotators on overlapping items: chance-corrected agreement on the review
 * decision (Cohen's kappa for one fixed pair of annotators, Fleiss' kappa for more raters or
 * changing pairs) and character-overlap F1 of the marked spans per label.
 */

/** Cohen's kappa over paired decisions; null when chance agreement is 1 (both always chose the same one category). */
export function cohenKappa(pairs: readonly (readonly [string, string])[]): { value: number | null; observed: number | null } {
  const n = pairs.length;
  if (n === 0) return { value: null, observed: null };
  const a = new Map<string, number>();
  const b = new Map<string, number>();
  let same = 0;
  for (const [x, y] of pairs) {
    if (x === y) same++;
    a.set(x, (a.get(x) ?? 0) + 1);
    b.set(y, (b.get(y) ?? 0) + 1);
  }
  const po = same / n;
  let pe = 0;
  for (const [k, ca] of a) pe += (ca / n) * ((b.get(k) ?? 0) / n);
  return { value: pe >= 1 ? null : (po - pe) / (1 - pe), observed: po };
}

/** Fleiss' kappa: each item rated by the same number (≥ 2) of raters. */
export function fleissKappa(ratings: readonly (readonly string[])[]): { value: number | null; observed: number | null } {
  const items = ratings.filter((r) => r.length >= 2);
  if (items.length === 0) return { value: null, observed: null };
  const m = items[0]!.length;
  if (items.some((r) => r.length !== m)) throw new Error("Fleiss' kappa needs the same number of ratings on every item");
  const totals = new Map<string, number>();
  let pSum = 0;
  for (const r of items) {
    const counts = new Map<string, number>();
    for (const c of r) counts.set(c, (counts.get(c) ?? 0) + 1);
    let agree = 0;
    for (const [c, k] of counts) {
      agree += k * (k - 1);
      totals.set(c, (totals.get(c) ?? 0) + k);
    }
    pSum += agree / (m * (m - 1));
  }
  const n = items.length;
  const pBar = pSum / n;
  let pe = 0;
  for (const t of totals.values()) pe += (t / (n * m)) ** 2;
  return { value: pe >= 1 ? null : (pBar - pe) / (1 - pe), observed: pBar };
}

/** The characters (as "segment:offset") one annotator marked with `label`. */
function marked(annotations: readonly Pick<Annotation, "segment" | "start" | "end" | "label">[], label: string): Set<string> {
  const chars = new Set<string>();
  for (const a of annotations) {
    if (a.label !== label) continue;
    for (let i = a.start; i < a.end; i++) chars.add(`${a.segment}:${i}`);
  }
  return chars;
}

/** Overlap counts of two annotators' spans of one label: |A ∩ B|, |A|, |B|. */
export function spanOverlap(
  a: readonly Pick<Annotation, "segment" | "start" | "end" | "label">[],
  b: readonly Pick<Annotation, "segment" | "start" | "end" | "label">[],
  label: string,
): { both: number; a: number; b: number } {
  const sa = marked(a, label);
  const sb = marked(b, label);
  let both = 0;
  for (const c of sa) if (sb.has(c)) both++;
  return { both, a: sa.size, b: sb.size };
}

/** F1 from pooled overlap counts; null when nobody marked anything with the label. */
export function f1(c: { both: number; a: number; b: number }): number | null {
  return c.a + c.b === 0 ? null : (2 * c.both) / (c.a + c.b);
}

export interface RatedItem {
  /** Each annotator's decision and marks, in a stable order. */
  raters: readonly { annotator: string; review: ReviewStatus; annotations: readonly Pick<Annotation, "segment" | "start" | "end" | "label">[] }[];
}

/**
 * Agreement over the overlapping items (each with all its raters done). Cohen's kappa when every
 * item has the same two annotators, else Fleiss' (items keep the number of raters of the first).
 * Span F1 pools every annotator pair of every item, per label (the queue's labels first).
 */
export function queueAgreement(items: readonly RatedItem[], labels: readonly string[]) {
  const rated = items.filter((i) => i.raters.length >= 2);
  const pairsOfNames = new Set(rated.map((i) => i.raters.map((r) => r.annotator).sort().join("\u0000")));
  const cohen = rated.length > 0 && rated.every((i) => i.raters.length === 2) && pairsOfNames.size === 1;
  let kappa: { kind: "cohen" | "fleiss"; value: number | null; observed: number | null };
  if (cohen) {
    const [first, second] = [...pairsOfNames][0]!.split("\u0000") as [string, string];
    const pairs = rated.map((i) => {
      const by = new Map(i.raters.map((r) => [r.annotator, r.review]));
      return [by.get(first)!, by.get(second)!] as const;
    });
    kappa = { kind: "cohen", ...cohenKappa(pairs) };
  } else {
    const m = rated[0]?.raters.length ?? 2;
    kappa = { kind: "fleiss", ...fleissKappa(rated.filter((i) => i.raters.length === m).map((i) => i.raters.map((r) => r.review))) };
  }
  const seen = new Set(labels);
  const allLabels = [...labels];
  for (const i of rated) {
    for (const r of i.raters) {
      for (const a of r.annotations) {
        if (seen.has(a.label)) continue;
        seen.add(a.label);
        allLabels.push(a.label);
      }
    }
  }
  const spans = allLabels.map((label) => {
    const pooled = { both: 0, a: 0, b: 0 };
    for (const i of rated) {
      for (let x = 0; x < i.raters.length; x++) {
        for (let y = x + 1; y < i.raters.length; y++) {
          const c = spanOverlap(i.raters[x]!.annotations, i.raters[y]!.annotations, label);
          pooled.both += c.both;
          pooled.a += c.a;
          pooled.b += c.b;
        }
      }
    }
    return { label, f1: f1(pooled), chars: pooled.a + pooled.b };
  });
  return { items: rated.length, kappa, spans };
}
