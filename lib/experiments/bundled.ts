import "server-only";
import { createHash } from "node:crypto";
import type { Db } from "@/lib/db";
import type { Problem } from "@/lib/protocol";
import { BUNDLED_DATASET_SOURCES, type BundledDatasetSource } from "@/datasets";
import { parseRecord } from "./datasets";

/**
 * The problem sets hintlab ships (datasets/), stored as ordinary dataset rows marked `bundled`
 * (migration 8), so the Datasets page, the experiment runner, the problem browser and the CLI read
 * them like any import and experiments keep their foreign key to a real row.
 *
 * Seeding is idempotent and safe to race: a bundled row's id is derived from its key and content
 * hash (`bundled-aime24-1a2b3c4d`), inserted with INSERT OR IGNORE in one transaction. A user's
 * dataset is never touched, whatever its name. When a release changes a set's content, the new
 * version gets a new id; the earlier version is deleted unless an experiment uses it, in which
 * case it stays (read-only, left out of the list) so that experiment still resolves its problems.
 */
export interface BundledDataset {
  key: string;
  id: string;
  name: string;
  source: string;
  license: string;
  problems: Problem[];
  contentHash: string;
}

let parsed: BundledDataset[] | undefined;

/** The shipped sets, parsed once by the importer's record parser; a bad record fails loudly (it is our data). */
export function bundledDatasets(): readonly BundledDataset[] {
  return (parsed ??= BUNDLED_DATASET_SOURCES.map(parseBundled));
}

function parseBundled(set: BundledDatasetSource): BundledDataset {
  const source = `${set.name} via ${set.source} (${set.license})`;
  const problems = set.records.map((record, i) => {
    const p = parseRecord(record, i + 1, source);
    if ("reason" in p) throw new Error(`bundled dataset ${set.key}, record ${i + 1}: ${p.reason}`);
    // Upstream ids (AIME's 60…89, MATH's problem_1591) or, without one, the record's position:
    // prefixed so the playground's bundled problems and these carry the same ids.
    const own = p.id.startsWith("line-") ? String(i) : p.id;
    return { ...p, id: `${set.idPrefix}-${own}` };
  });
  const contentHash = createHash("sha256").update(JSON.stringify(problems)).digest("hex").slice(0, 16);
  return { key: set.key, id: `bundled-${set.key}-${contentHash.slice(0, 8)}`, name: set.name, source: set.source, license: set.license, problems, contentHash };
}

const seeded = new WeakSet<Db>();

/**
 * Make sure this database holds the current version of every bundled set (once per connection).
 * Returns the ids it inserted and the earlier versions it removed (for tests and logs).
 */
export function seedBundledDatasets(db: Db, now = Date.now()): { added: string[]; removed: string[] } {
  const added: string[] = [];
  const removed: string[] = [];
  const sets = bundledDatasets();
  db.transaction(() => {
    const insertDataset = db.prepare("INSERT OR IGNORE INTO datasets (id, name, content_hash, problem_count, created_at, bundled) VALUES (?, ?, ?, ?, ?, ?)");
    const insertProblem = db.prepare("INSERT INTO problems (dataset_id, idx, problem_id, kind, json) VALUES (?, ?, ?, ?, ?)");
    const earlier = db.prepare("SELECT id, EXISTS (SELECT 1 FROM experiments e WHERE e.dataset_id = d.id) AS used FROM datasets d WHERE bundled = ? AND id != ?");
    for (const set of sets) {
      if (insertDataset.run(set.id, set.name, set.contentHash, set.problems.length, now, set.key).changes > 0) {
        set.problems.forEach((p, i) => insertProblem.run(set.id, i, p.id, p.kind, JSON.stringify(p)));
        added.push(set.id);
      }
      for (const old of earlier.all(set.key, set.id) as { id: string; used: number }[]) {
        if (old.used) continue;
        db.prepare("DELETE FROM datasets WHERE id = ?").run(old.id);
        removed.push(old.id);
      }
    }
  })();
  seeded.add(db);
  return { added, removed };
}

/** Seed on the first use of a connection: every way into the datasets (server, CLI, tests) goes through here. */
export function ensureBundledDatasets(db: Db): void {
  if (!seeded.has(db)) seedBundledDatasets(db);
}

/** The bundled set a row is the current version of, if any. */
export function currentBundled(id: string): BundledDataset | undefined {
  return bundledDatasets().find((b) => b.id === id);
}
