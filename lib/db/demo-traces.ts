import "server-only";
import { readFileSync } from "node:fs";
import path from "node:path";
import { HINT_LIBRARY_VERSION } from "@/hints";
import { parseImportLine, type HintText } from "@/lib/import";
import { importTraces } from "./import";
import { listHints } from "./hint-store";
import type { Db } from "./sqlite";
import { TraceStore } from "./traces";

/**
 * Demo traces: real recorded tool-integrated trajectories shipped in `demo-traces/` (see its
 * README for the source), loaded into the library on request ("Load demo traces") so the trace
 * page's replay works with no model and no network. They go through the ordinary import
 * (parseImportLine reconstructs model / code / output segments; importTraces writes them in one
 * transaction), then carry a `demo-` id, the `demo` tag and the triggers to highlight.
 *
 * Loading is idempotent: a demo trace already in the library is left as it is (annotations and
 * all), and one the user deleted comes back only when they ask again.
 */

export const DEMO_TAG = "demo";
/**
 * The playground's triggers, plus "Let's", where the ToRA model opens each step (it never writes
 * "Wait"): without it a replay of these traces would have no trigger to light up.
 */
export const DEMO_TRIGGERS = ["Wait", "Alternatively", "Let's"];
const DEMO_FILE = "tora-tir.jsonl";
const SOURCE = "microsoft/ToRA, data/tora/examples.jsonl (MIT)";

export function demoTracesDir(): string {
  return path.join(/* turbopackIgnore: true */ process.cwd(), "demo-traces");
}

/** The demo traces as native hintlab records (one JSON line each), decorated for the library. */
export function demoTraceLines(text: string, hints: readonly HintText[]): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const parsed = parseImportLine(line, { hints, hintLibraryVersion: HINT_LIBRARY_VERSION });
    // A broken line in a file we ship is a bug: fail loudly rather than load fewer demos.
    if (!parsed.ok) throw new Error(`demo-traces/${DEMO_FILE}: ${parsed.error}`);
    const b = parsed.body;
    out.push(
      JSON.stringify({
        ...b,
        id: `demo-${b.id}`,
        tags: [DEMO_TAG],
        problem: { ...b.problem, source: SOURCE },
        config: { ...b.config, model: "tora-corpus (recorded)", triggers: DEMO_TRIGGERS },
      }),
    );
  }
  return out;
}

export interface DemoLoadReport {
  /** Demo traces written now. */
  added: string[];
  /** Demo traces that were already in the library (left untouched). */
  present: string[];
}

export async function loadDemoTraces(db: Db, opts: { dir?: string; hints?: readonly HintText[] } = {}): Promise<DemoLoadReport> {
  const hints = opts.hints ?? (await listHints());
  const lines = demoTraceLines(readFileSync(path.join(opts.dir ?? demoTracesDir(), DEMO_FILE), "utf8"), hints);
  const store = new TraceStore(db);
  const present: string[] = [];
  const missing: string[] = [];
  for (const l of lines) {
    const id = (JSON.parse(l) as { id: string }).id;
    if (store.exists(id)) present.push(id);
    else missing.push(l);
  }
  if (!missing.length) return { added: [], present };
  const bytes = new TextEncoder().encode(missing.join("\n") + "\n");
  const report = await importTraces(db, (async function* () {
    yield bytes;
  })(), { mode: "all-or-nothing", hints });
  if (!report.committed) throw new Error(`demo traces not loaded: ${report.errors.map((e) => `line ${e.line}: ${e.error}`).join("; ")}`);
  return { added: report.ids, present };
}
