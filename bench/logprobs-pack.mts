// Packed token probabilities: bytes per 1k tokens with top-5 alternatives, and pack/unpack speed,
// on real R1-distill traces (e2e/fixtures/data) tokenised with the scripted server's tokens and
// probabilities (e2e/fixtures/scripted-logprobs.ts). JSON of the same tokens is printed for scale.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createScriptedLogprobs } from "../e2e/fixtures/scripted-logprobs";
import { packLogprobs, unpackLogprobs, type TokenLogprob } from "../lib/protocol/logprobs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const lines = readFileSync(path.join(ROOT, "e2e/fixtures/data/r1-distill-math-40.jsonl"), "utf8").split("\n").filter(Boolean);
const segments: TokenLogprob[][] = lines.map((line, i) => {
  const text = (JSON.parse(line) as { completion: string }).completion;
  let start = 0;
  return createScriptedLogprobs(i).next(text, 5).map((t) => {
    const token = { start, ...t };
    start += t.text.length;
    return token;
  });
});
const tokenCount = segments.reduce((n, s) => n + s.length, 0);
const packed = segments.map(packLogprobs);
const bytes = packed.reduce((n, p) => n + p.length, 0);
const json = segments.reduce((n, s) => n + Buffer.byteLength(JSON.stringify(s)), 0);

function time(label: string, fn: () => void): number {
  fn(); // warm-up
  const runs = 5;
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) fn();
  return (performance.now() - t0) / runs;
}
const packMs = time("pack", () => segments.forEach(packLogprobs));
const unpackMs = time("unpack", () => packed.forEach(unpackLogprobs));

console.log(`${segments.length} traces, ${tokenCount} tokens, top-5 alternatives each`);
console.log(`packed: ${((bytes / tokenCount) * 1000).toFixed(0)} bytes per 1k tokens (${(bytes / tokenCount).toFixed(1)} B/token); JSON: ${((json / tokenCount) * 1000).toFixed(0)} bytes per 1k tokens`);
console.log(`pack:   ${((tokenCount / packMs) * 1000 / 1e6).toFixed(2)} M tokens/s (${packMs.toFixed(1)} ms for all)`);
console.log(`unpack: ${((tokenCount / unpackMs) * 1000 / 1e6).toFixed(2)} M tokens/s (${unpackMs.toFixed(1)} ms for all)`);
