// See queues.mjs for what this measures and how to run it.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { openDb, TraceStore } from "@/lib/db";
import { QueueStore } from "@/lib/queues/store";
import { QueueWork } from "@/lib/queues/work";
import { testTraceConfig } from "@/lib/protocol/__fixtures__/trace-config";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const N = Number(process.env.BENCH_QUEUE_ITEMS ?? 5000);
const ANNOTATORS = ["a1", "a2", "a3", "a4", "a5"];
const config = testTraceConfig();

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, p95: s[Math.floor(s.length * 0.95)]!, max: s[s.length - 1]! };
}
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 1)} ms`;
const line = (label: string, xs: number[]) => {
  const r = stats(xs);
  console.log(`${label.padEnd(44)} ${ms(r.median)} median, ${ms(r.p95)} p95, ${ms(r.max)} max  (${xs.length} calls)`);
};
const time = <T>(fn: () => T): [T, number] => {
  const t = performance.now();
  const v = fn();
  return [v, performance.now() - t];
};

const completion = (JSON.parse(readFileSync(path.join(ROOT, "e2e/fixtures/data/r1-distill-math-40.jsonl"), "utf8").split("\n")[0]!) as { completion: string }).completion.slice(0, 2000);
const dir = mkdtempSync(path.join(tmpdir(), "hintlab-bench-queues-"));
try {
  const db = openDb(path.join(dir, "bench.db"));
  const traces = new TraceStore(db);
  db.transaction(() => {
    for (let i = 0; i < N; i++) {
      traces.create({
        id: `t${i}`,
        problem: { id: `p${i}`, kind: "math", statement: `Problem ${i}`, gold: "1" },
        config,
        segments: [
          { id: "s0", kind: "prompt", text: "<prompt>" },
          { id: "s1", kind: "model", text: completion },
        ],
        events: [],
        status: "finished",
        tags: ["rft:bench"],
        createdAt: i,
      });
    }
  })();
  const queues = new QueueStore(db);
  const work = new QueueWork(db);
  const [q, createMs] = time(() =>
    queues.create(
      { spec: { name: "bench", instructions: "", labels: ["unreasonable"], annotators: ANNOTATORS, perItem: 2, overlapShare: 0.2, assignment: "claim", leaseMinutes: 30, seed: 1 }, source: { type: "rft", experimentId: "bench" } },
      "rita",
      new Set(ANNOTATORS),
    ),
  );
  console.log(`queue over ${N} traces (claim, 20% × 2, 5 annotators): created in ${ms(createMs)}`);
  const total = N + Math.round(0.2 * N);
  let now = Date.now();
  let done = 0;
  const phase = (label: string, reviews: number) => {
    const next: number[] = [];
    const review: number[] = [];
    const mark: number[] = [];
    for (let k = 0; k < reviews; k++) {
      const who = ANNOTATORS[k % ANNOTATORS.length]!;
      now += 1000;
      const [n, tn] = time(() => work.next(q.id, who, now));
      next.push(tn);
      if (!("assignment" in n)) continue;
      const [, tm] = time(() => work.addAnnotation(q.id, n.assignment.id, { annotator: who, baseVersion: n.assignment.version, annotation: { segment: 1, start: 0, end: 40, label: "unreasonable", comment: "" } }, now));
      mark.push(tm);
      const [, tr] = time(() => work.setReview(q.id, n.assignment.id, { annotator: who, baseVersion: n.assignment.version + 1, status: k % 7 === 0 ? "rejected" : "accepted" }, now + 500));
      review.push(tr);
      done++;
    }
    const detail: number[] = [];
    const list: number[] = [];
    for (let k = 0; k < 5; k++) {
      detail.push(time(() => queues.detail(q.id, now))[1]);
      list.push(time(() => queues.list({ name: "a1", researcher: false }))[1]);
    }
    console.log(`\n${label} (${done} of ${total} reviews done)`);
    line("Next (lease the next item)", next);
    line("mark a span", mark);
    line("review (done + final version)", review);
    line("researcher's page (progress, κ, F1, list)", detail);
    line("queue list (annotator)", list);
  };
  phase("at the start", 200);
  // Fill to about half without timing, then measure again.
  for (let k = 0; done < total / 2; k++) {
    const who = ANNOTATORS[k % ANNOTATORS.length]!;
    now += 10;
    const n = work.next(q.id, who, now);
    if (!("assignment" in n)) continue;
    work.setReview(q.id, n.assignment.id, { annotator: who, baseVersion: n.assignment.version, status: "accepted" }, now);
    done++;
  }
  phase("half done", 200);
  db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
