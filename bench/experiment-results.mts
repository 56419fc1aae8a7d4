// See experiment-results.mjs for what this measures and how to run it.
import { computeResults } from "@/lib/experiments/results";
import { parsePolicyList } from "@/lib/experiments/policies";
import { seededRandom } from "@/lib/experiments/statistics";
import type { ExperimentItem } from "@/lib/protocol";

const list = (name: string, fallback: string) => (process.env[name] ?? fallback).split(",").map(Number);
const POLICY_LABELS = ["greedy", "paper:rounds=1", "paper:rounds=2", "paper:rounds=3", "paper:rounds=1:p=0.5", "paper:rounds=4", "paper:rounds=5", "paper:rounds=6"];
const policies = parsePolicyList(POLICY_LABELS.slice(0, Number(process.env.BENCH_POLICIES ?? 5)).join(","));

for (const problems of list("BENCH_PROBLEMS", "500,5000")) {
  for (const samples of list("BENCH_SAMPLES", "1,4")) {
    const rand = seededRandom(problems * 31 + samples);
    const items: ExperimentItem[] = [];
    for (let p = 0; p < problems; p++) {
      const difficulty = rand();
      for (const [k, pol] of policies.entries())
        for (let s = 0; s < samples; s++)
          items.push({ problemId: `p${p}`, problemIdx: p, policy: pol.label, sample: s, status: "done", traceId: `t${p}-${k}-${s}`, verdict: rand() < difficulty + 0.05 * k ? "correct" : "incorrect", answer: "1", tokens: 1000, toolCalls: k ? 1 : 0, hints: [], durationMs: 1000, attempts: 1, error: null });
    }
    computeResults(items, policies); // warm-up (JIT)
    const runs = 3;
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) computeResults(items, policies);
    const ms = (performance.now() - t0) / runs;
    console.log(`${String(problems).padStart(6)} problems × ${policies.length} policies × ${samples} samples = ${String(items.length).padStart(7)} items: computeResults ${ms.toFixed(1)} ms (${((ms / items.length) * 1000).toFixed(2)} ms per 1,000 items)`);
  }
}
