import "server-only";
import { AppError, type DatasetSummary } from "@/lib/protocol";
import type { ExperimentStore } from "./store";

/**
 * A stored dataset named the way a person would on a command line (`hintlab run --dataset X`):
 * its id, a bundled set's key (`aime24`), or its name (`AIME 2024`; exact first, then ignoring
 * case). A name two datasets share is refused with both ids rather than guessed — a user's
 * import named like a bundled set is as much "the" dataset as the bundled one. Not found: the
 * error lists what is stored, so the next try can be right.
 */
export function resolveDatasetRef(store: ExperimentStore, ref: string): DatasetSummary {
  const wanted = ref.trim();
  const byId = store.db.prepare("SELECT id FROM datasets WHERE id = ?").get(wanted) as { id: string } | undefined;
  if (byId) return store.getDataset(byId.id);
  const listed = store.listDatasets();
  const byKey = listed.find((d) => d.bundled?.key === wanted);
  if (byKey) return byKey;
  for (const same of [(d: DatasetSummary) => d.name === wanted, (d: DatasetSummary) => d.name.toLowerCase() === wanted.toLowerCase()]) {
    const matches = listed.filter(same);
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) {
      throw new AppError("conflict", `${matches.length} datasets are named "${matches[0]!.name}"; give one by id: ${matches.map(describeDataset).join(", ")}`);
    }
  }
  throw new AppError("not-found", `no stored dataset "${wanted}"; stored datasets: ${listed.length ? listed.map(describeDataset).join(", ") : "none"}`);
}

/** `"AIME 2024" (aime24, 30 problems)` for a bundled set, `"mine" (id 1f…, 3 problems)` for an import. */
export function describeDataset(d: DatasetSummary): string {
  return `"${d.name}" (${d.bundled ? d.bundled.key : `id ${d.id}`}, ${d.problemCount} problem${d.problemCount === 1 ? "" : "s"})`;
}
