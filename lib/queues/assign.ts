import { nextRandom } from "@/lib/engine/rng";

/**
 * Who reviews what. Overlap: a seeded share of the items gets `perItem` annotators (the same seed
 * picks the same items), the rest one. Even split: each item goes to the annotators with the
 * fewest items so far, ties to whoever was given one least recently, so loads differ by at most
 * one item and every overlapping item has distinct annotators.
 */

/** Annotators needed per item: `perItem` on round(share × n) items chosen by `seed`, 1 elsewhere. */
export function requiredPerItem(n: number, perItem: number, share: number, seed: number): number[] {
  const required = new Array<number>(n).fill(1);
  if (perItem <= 1 || share <= 0 || n === 0) return required;
  const overlapping = Math.min(n, Math.round(share * n));
  // Fisher–Yates over the indices with the seeded generator; the first `overlapping` overlap.
  const order = Array.from({ length: n }, (_, i) => i);
  let state = seed | 0;
  for (let i = n - 1; i > 0; i--) {
    const r = nextRandom(state);
    state = r.state;
    const j = Math.floor(r.value * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  for (let k = 0; k < overlapping; k++) required[order[k]!] = perItem;
  return required;
}

/** The annotators of each item under an even split (`required[i]` distinct names for item i). */
export function evenSplit(required: readonly number[], annotators: readonly string[]): string[][] {
  if (annotators.length === 0) throw new Error("an even split needs at least one annotator");
  const load = new Map(annotators.map((a) => [a, 0]));
  const last = new Map(annotators.map((a, i) => [a, -annotators.length + i]));
  return required.map((r, item) => {
    if (r > annotators.length) throw new Error(`item ${item} needs ${r} annotators; the queue has ${annotators.length}`);
    const chosen = [...annotators].sort((a, b) => load.get(a)! - load.get(b)! || last.get(a)! - last.get(b)!).slice(0, r);
    for (const a of chosen) {
      load.set(a, load.get(a)! + 1);
      last.set(a, item);
    }
    return chosen;
  });
}
