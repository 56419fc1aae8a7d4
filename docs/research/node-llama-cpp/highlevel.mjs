// Higher-level APIs: readGgufFileInfo, LlamaCompletion (customStopTriggers + AbortSignal), LlamaChatSession w/ chat template
import { getLlama, LlamaLogLevel, readGgufFileInfo, LlamaCompletion, LlamaChatSession, JinjaTemplateChatWrapper, resolveChatWrapper } from "node-llama-cpp";
const modelPath = process.argv[2] ?? new URL("./tiny.gguf", import.meta.url).pathname;
const info = await readGgufFileInfo(modelPath); // pure JS, no native binary needed
console.log("readGgufFileInfo: arch", info.metadata.general.architecture, "template len", info.metadata.tokenizer.chat_template?.length, "tensors", info.fullTensorInfo?.length ?? info.tensorInfo?.length);
const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.warn });
const model = await llama.loadModel({ modelPath });
const context = await model.createContext({ contextSize: 512, threads: 1 });
// LlamaCompletion: customStopTriggers + signal
const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
const r1 = await completion.generateCompletionWithMeta("<|im_start|>user\nhi<|im_end|>\n", { maxTokens: 200, customStopTriggers: [..."abcdefghijklmnopqrstuvwxyz".split(""), "</think>"], temperature: 0.8, seed: 3 });
console.log("LlamaCompletion stop:", r1.metadata.stopReason, r1.metadata.customStopTrigger, JSON.stringify(r1.response).length);
const ac = new AbortController(); setTimeout(() => ac.abort(), 10);
try {
  const r2 = await completion.generateCompletion("abc", { maxTokens: 100000, signal: ac.signal, stopOnAbortSignal: true });
  console.log("LlamaCompletion abort (stopOnAbortSignal) returned partial len", r2.length);
} catch (e) { console.log("abort threw", e.name); }
try { const ac2 = new AbortController(); setTimeout(() => ac2.abort(), 10); await completion.generateCompletion("abc", { maxTokens: 100000, signal: ac2.signal }); }
catch (e) { console.log("abort without stopOnAbortSignal threw", e?.name, e?.message?.slice(0, 60)); }
completion.dispose({ disposeSequence: true });
// chat session w/ the GGUF's template
const wrapper = resolveChatWrapper(model); // picks wrapper from tokenizer.chat_template / arch
console.log("resolveChatWrapper ->", wrapper?.constructor?.name);
const session = new LlamaChatSession({ contextSequence: context.getSequence(), chatWrapper: new JinjaTemplateChatWrapper({ template: model.fileInfo.metadata.tokenizer.chat_template }) });
const t = performance.now();
const ans = await session.prompt("hello", { maxTokens: 50, temperature: 0.8 });
console.log("LlamaChatSession 50 tok ms", (performance.now() - t).toFixed(0), "len", ans.length);
