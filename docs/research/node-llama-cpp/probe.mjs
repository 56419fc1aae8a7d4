// node probe.mjs [model.gguf]
import { getLlama, LlamaLogLevel } from "node-llama-cpp";
const modelPath = process.argv[2] ?? new URL("./tiny.gguf", import.meta.url).pathname;
const now = () => performance.now();
let t = now();
const llama = await getLlama({ gpu: false, build: "never", usePrebuiltBinaries: true, progressLogs: false, logLevel: LlamaLogLevel.warn });
console.log("getLlama ms", (now() - t).toFixed(0), "buildType", llama.buildType, "gpu", llama.gpu, "cpuMathCores", llama.cpuMathCores);
t = now();
const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
console.log("loadModel ms", (now() - t).toFixed(0), "trainCtx", model.trainContextSize);
console.log("chat_template via fileInfo.metadata:", JSON.stringify(model.fileInfo.metadata.tokenizer.chat_template).slice(0, 80));
console.log("tokens.bos/eos", model.tokens.bos, model.tokens.eos);

// tokenization with / without special tokens
for (const sp of [true, false]) {
  const toks = model.tokenize("<|im_start|>user\nhi<think>x</think><|im_end|>", sp);
  console.log(`tokenize special=${sp}:`, toks.length, JSON.stringify(toks));
}
console.log("detokenize specials:", JSON.stringify(model.detokenize(model.tokenize("<think>a</think>", true), true)));

t = now();
const context = await model.createContext({ contextSize: 512, threads: 1, sequences: 1, batchSize: 512 });
console.log("createContext ms", (now() - t).toFixed(0), "contextSize", context.contextSize);
const seq = context.getSequence();
const meter = () => ({ ...seq.tokenMeter.getState(), next: seq.nextTokenIndex });

async function gen(tokens, n, opts = {}) {
  const out = [];
  for await (const tok of seq.evaluate(tokens, { temperature: 0.8, seed: 42, ...opts })) {
    out.push(tok);
    if (out.length >= n) break;
  }
  return out;
}

// --- generation speed
let prompt = model.tokenize("<|im_start|>user\nhello there<|im_end|>\n<|im_start|>assistant\n", true);
let m0 = meter(); t = now();
let out = await gen(prompt, 50);
let dt = now() - t;
console.log(`generated ${out.length} tok in ${dt.toFixed(1)} ms = ${(out.length / dt * 1000).toFixed(0)} tok/s; meter before`, m0, "after", meter());
console.log("nextTokenIndex", seq.nextTokenIndex, "= prompt", prompt.length, "+ gen", out.length, "(last generated token is NOT yet in context)");
console.log("sample text:", JSON.stringify(model.detokenize(out, true)).slice(0, 120));
await seq.clearHistory();

// --- KV reuse: 400-token prefix, generate, inject 20 tokens, continue
// PITFALL: evaluate([]) yields nothing -> always keep >=1 token for the evaluate() call that generates.
const words = "the quick brown fox jumps over a lazy dog ".repeat(60);
let prefix = model.tokenize(words, false).slice(0, 400);
const hint = model.tokenize(" hint: consider the base case first ok ", false).slice(0, 20);
console.log("prefix", prefix.length, "hint", hint.length);
t = now();
const g1 = await gen(prefix, 10);
console.log("prefix eval + 10 gen ms", (now() - t).toFixed(1), meter());
// inject: last generated token (not yet in context) + hint, then continue generating
let before = meter(); t = now(); let tFirst = 0;
const g2 = [];
for await (const tok of seq.evaluate([g1.at(-1), ...hint], { temperature: 0.8, seed: 42 })) {
  if (!tFirst) tFirst = now() - t;
  g2.push(tok); if (g2.length >= 10) break;
}
const injMs = tFirst;
console.log(`reuse: inject ${hint.length}+1 tokens -> first new token after ${injMs.toFixed(1)} ms; inputTokens delta`, meter().usedInputTokens - before.usedInputTokens, meter());
const fullTokens = seq.contextTokens.slice(0, 400 + 10 + hint.length); // prefix+gen+hint
// fresh: re-evaluate all tokens on an empty sequence
await seq.clearHistory();
before = meter(); t = now(); tFirst = 0;
for await (const tok of seq.evaluate(fullTokens, { temperature: 0.8, seed: 42 })) { tFirst = now() - t; break; }
console.log(`fresh: ${fullTokens.length} tokens -> first new token after ${tFirst.toFixed(1)} ms; inputTokens delta`, meter().usedInputTokens - before.usedInputTokens);
// partial reuse after divergence: keep common prefix, erase the rest
const alt = [...fullTokens.slice(0, 405), ...hint];
const { firstDifferentIndex } = seq.compareContextTokens(alt);
await seq.eraseContextTokenRanges([{ start: firstDifferentIndex, end: seq.nextTokenIndex }]);
before = meter(); t = now();
for await (const tok of seq.evaluate(alt.slice(firstDifferentIndex), { temperature: 0.8 })) break;
console.log(`divergent at ${firstDifferentIndex}: evaluated`, meter().usedInputTokens - before.usedInputTokens, "tokens in", (now() - t).toFixed(1), "ms; next", seq.nextTokenIndex);
// adaptStateToTokens: the built-in version of the above
await seq.adaptStateToTokens(fullTokens.slice(0, 300));
console.log("adaptStateToTokens(300) -> next", seq.nextTokenIndex);

// --- stop strings with StopGenerationDetector
await seq.clearHistory();
// StopGenerationDetector is NOT exported from the package root -> do it by hand on the detokenized text.
const stops = ["e", "</think>"];
const produced = []; let text = ""; let hit = null;
for await (const tok of seq.evaluate(prompt, { temperature: 0.8, seed: 7 })) {
  produced.push(tok);
  text = model.detokenize(produced, true); // re-detokenize all: handles multi-byte UTF-8 split across tokens
  hit = stops.find((s) => text.includes(s));
  if (hit || produced.length > 200) break;
}
console.log("stop string: stopped after", produced.length, "tokens on", JSON.stringify(hit), "text", JSON.stringify(text), "cut:", JSON.stringify(hit ? text.slice(0, text.indexOf(hit)) : text));

// --- abort via AbortSignal (evaluate() has no signal option: check signal and break)
await seq.clearHistory();
const ac = new AbortController();
setTimeout(() => ac.abort(), 5);
let nAbort = 0; t = now();
for await (const tok of seq.evaluate(prompt, { temperature: 0.8, seed: 7 })) {
  nAbort++;
  if (ac.signal.aborted || nAbort > 100000) break;
}
console.log("abort: stopped after", nAbort, "tokens in", (now() - t).toFixed(1), "ms; seq still usable, next", seq.nextTokenIndex);

await context.dispose(); await model.dispose(); await llama.dispose();
