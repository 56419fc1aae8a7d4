// See engine-chunks.mjs for what this measures and how to run it.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createEngine, reduce } from "@/lib/engine";
import type { TraceConfig } from "@/lib/protocol";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const records = readFileSync(path.join(ROOT, "e2e/fixtures/data/r1-distill-math-40.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as { completion: string; problem: string });
const longest = records.map((r) => r.completion).sort((a, b) => b.length - a.length)[0]!;
const thinking = longest.split("</think>")[0]!;

const config: TraceConfig = {
  provider: "openai-completions",
  model: "bench",
  template: "deepseek-r1",
  sampling: { maxTokens: 1_000_000 },
  triggers: ["Wait", "Alternatively"],
  policy: { type: "greedy" },
  maxToolCalls: 0,
  toolTimeoutMs: 1000,
  maxOutputChars: 4000,
  policySeed: 1,
} as unknown as TraceConfig;

console.log("engine cost per chunk of 4 characters as a trace grows (the longest fixture's thinking, repeated)");
console.log("   chars   chunks   total ms   µs/chunk, first 10%   µs/chunk, last 10%");
for (const times of [1, 4, 16]) {
  const text = Array.from({ length: times }, () => thinking).join("\n\n");
  let s = reduce(createEngine({ traceId: "t", problem: { id: "p", statement: "x" } as never, config }), { type: "start", at: 0 });
  const streamId = s.streamId!;
  const n = Math.ceil(text.length / 4);
  const t0 = performance.now();
  let tFirst = 0;
  let tLastStart = 0;
  for (let i = 0; i < n; i++) {
    if (i === Math.floor(n / 10)) tFirst = performance.now() - t0;
    if (i === Math.floor((n * 9) / 10)) tLastStart = performance.now();
    s = reduce(s, { type: "chunk", streamId, text: text.slice(i * 4, i * 4 + 4), at: i });
  }
  const total = performance.now() - t0;
  const last = performance.now() - tLastStart;
  const tenth = Math.floor(n / 10);
  console.log(`${String(text.length).padStart(8)} ${String(n).padStart(8)} ${total.toFixed(0).padStart(10)} ${((tFirst * 1000) / tenth).toFixed(1).padStart(20)} ${((last * 1000) / (n - Math.floor((n * 9) / 10))).toFixed(1).padStart(19)}`);
}
