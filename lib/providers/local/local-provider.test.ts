import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GenerateRequest, GenerateResult } from "@/lib/protocol";
import { writeTinyGguf } from "../testing/tiny-gguf";
import { ModelError } from "../types";
import { createLocalProvider } from "./local-provider";
import { LocalRuntime } from "./runtime";

// The real thing on a tiny random model: node-llama-cpp loads it, and every count below comes
// from llama.cpp's own token meter.
const dir = mkdtempSync(join(tmpdir(), "hintlab-local-"));
const modelPath = join(dir, "tiny.gguf");
const plainPath = join(dir, "tiny-no-template.gguf");
let runtime: LocalRuntime;

beforeAll(() => {
  writeTinyGguf(modelPath, { ctx: 4096 });
  writeTinyGguf(plainPath, { ctx: 4096, noChatTemplate: true, seed: 2 });
  runtime = new LocalRuntime({ threads: 1, gpu: false, contextSize: 2048, maxContexts: 2, idleMs: 0 });
});
afterAll(() => runtime.close());

const provider = (template = "qwen3", path = modelPath) => createLocalProvider({ runtime, modelPath: path, template });

function request(overrides: Partial<GenerateRequest> = {}): GenerateRequest {
  const userMessage = overrides.userMessage ?? "What is 2+2?";
  const assistantPrefill = overrides.assistantPrefill ?? "<think>\n";
  return {
    prompt: `<|im_start|>user\n${userMessage}<|im_end|>\n<|im_start|>assistant\n${assistantPrefill}`,
    userMessage,
    assistantPrefill,
    stop: [],
    maxTokens: 40,
    temperature: 0,
    session: "trace-1",
    ...overrides,
  };
}

async function collect(gen: AsyncGenerator<string, GenerateResult>): Promise<{ text: string; chunks: string[]; result: GenerateResult }> {
  const chunks: string[] = [];
  for (;;) {
    const next = await gen.next();
    if (next.done) return { text: chunks.join(""), chunks, result: next.value };
    chunks.push(next.value);
  }
}

/** Tokens llama.cpp evaluated in a session so far (its meter splits them into input and output). */
async function meter(key: string) {
  const loaded = await runtime.loaded(modelPath);
  const session = loaded!.sessions.get(key)!;
  // The provider evaluates the last sampled token after the stream ends; wait for that.
  for (let i = 0; session.busy && i < 500; i++) await new Promise((r) => setTimeout(r, 2));
  expect(session.busy).toBe(false);
  const { usedInputTokens, usedOutputTokens } = session.slot.sequence.tokenMeter.getState();
  return { evaluated: usedInputTokens + usedOutputTokens, next: session.slot.sequence.nextTokenIndex };
}

describe("local GGUF provider (node-llama-cpp, tiny model)", () => {
  it("loads the model, streams maxTokens tokens greedily and reports usage", async () => {
    const a = await collect(provider().generate(request({ session: "greedy-a" }), new AbortController().signal));
    expect(a.result.finishReason).toBe("length");
    expect(a.result.usage).toMatchObject({ completionTokens: 40, cachedTokens: 0 });
    expect(a.chunks.length).toBeGreaterThan(1);
    // Greedy decoding is deterministic: a second session gives the same text.
    const b = await collect(provider().generate(request({ session: "greedy-b" }), new AbortController().signal));
    expect(b.text).toBe(a.text);
  });

  it("renders the GGUF chat template and tokenizes <think> as one special token", async () => {
    const loaded = (await runtime.loaded(modelPath))!;
    expect(loaded.renderer.source).toBe("gguf");
    const rendered = loaded.renderer.render(request({ prompt: "ignored", userMessage: "hi", assistantPrefill: "<think>\nx" }), "qwen3");
    expect(rendered).toBe("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n<think>\nx");
    expect(loaded.model.tokenize("<think>", true)).toEqual([264]);
    expect(loaded.model.tokenize("<|im_end|>", true)).toEqual([263]);
    expect(loaded.model.tokenize("<|im_end|>", false).length).toBe("<|im_end|>".length);
    // The raw template setting is the user's own prompt: used as typed.
    expect(loaded.renderer.render(request({ prompt: "as typed" }), "raw")).toBe("as typed");
  });

  it("falls back to the template setting when the file has no chat template", async () => {
    const plain = provider("qwen3", plainPath);
    const out = await collect(plain.generate(request({ prompt: "PROMPT FROM THE ENGINE", session: "plain" }), new AbortController().signal));
    expect(out.result.usage?.promptTokens).toBe("PROMPT FROM THE ENGINE".length); // byte-level vocabulary: one token per byte
    expect((await runtime.loaded(plainPath))!.renderer.source).toBe("setting");
    await runtime.load(modelPath); // back to the main model for the other tests
  });

  it("stops at a custom stop string without emitting it, and reports which one", async () => {
    // Find some text the model will produce, then ask it to stop there.
    const probe = await collect(provider().generate(request({ session: "stop-probe", maxTokens: 60 }), new AbortController().signal));
    const stop = probe.text.slice(20, 23);
    expect(stop.length).toBe(3);
    const out = await collect(provider().generate(request({ session: "stop", maxTokens: 60, stop: ["never-there", stop] }), new AbortController().signal));
    expect(out.result).toMatchObject({ finishReason: "stop", matchedStop: stop });
    expect(out.text).toBe(probe.text.slice(0, probe.text.indexOf(stop)));
    expect(out.text.includes(stop)).toBe(false);
  });

  it("aborts mid-stream: the text already yielded is kept and the session is usable again", async () => {
    const controller = new AbortController();
    const gen = provider().generate(request({ session: "abort", maxTokens: 1000 }), controller.signal);
    let received = 0;
    let result: GenerateResult | undefined;
    for (;;) {
      const next = await gen.next();
      if (next.done) {
        result = next.value;
        break;
      }
      if (++received === 5) controller.abort();
    }
    expect(result.finishReason).toBe("abort");
    expect(result.usage!.completionTokens).toBeLessThan(20);
    const again = await collect(provider().generate(request({ session: "abort", maxTokens: 5 }), new AbortController().signal));
    expect(again.result.finishReason).toBe("length");
  });

  it("an injection evaluates only the injected tokens; the prefix is never evaluated again", async () => {
    const first = await collect(provider().generate(request({ session: "kv", maxTokens: 30 }), new AbortController().signal));
    const before = await meter("kv");
    // The whole prompt and every sampled token are in the cache once the stream has settled.
    expect(before.next).toBe(first.result.usage!.promptTokens! + 30);
    // As after a pause: the engine appends a hint to everything so far and sends it all again.
    const hint = "\n\nWait, maybe using python here is a good idea.\n";
    const hintTokens = (await runtime.loaded(modelPath))!.model.tokenize(hint, true).length;
    const second = request({ session: "kv", maxTokens: 10, assistantPrefill: "<think>\n" + first.text + hint });
    const out = await collect(provider().generate(second, new AbortController().signal));
    const after = await meter("kv");
    expect(out.result.usage!.promptTokens! - out.result.usage!.cachedTokens!).toBe(hintTokens);
    expect(out.result.usage!.cachedTokens).toBe(before.next);
    // llama.cpp's meter agrees: the hint, then the 10 generated tokens (the last evaluated after the stream).
    expect(after.evaluated - before.evaluated).toBe(hintTokens + 10);
  });

  it("a hint placed before a trigger cuts the cache back to the last token boundary, not to the start", async () => {
    const first = await collect(provider().generate(request({ session: "cut", maxTokens: 40 }), new AbortController().signal));
    const before = await meter("cut");
    const hint = " Let me check with python.";
    const hintTokens = (await runtime.loaded(modelPath))!.model.tokenize(hint, true).length;
    const kept = first.text.slice(0, 25);
    const out = await collect(
      provider().generate(request({ session: "cut", maxTokens: 1, assistantPrefill: "<think>\n" + kept + hint }), new AbortController().signal),
    );
    const evaluated = out.result.usage!.promptTokens! - out.result.usage!.cachedTokens!;
    // A cut inside a multi-byte character re-reads at most the few tokens of that character (and a
    // hint that happens to start like the discarded text reuses those tokens too).
    expect(evaluated).toBeGreaterThanOrEqual(1);
    expect(evaluated).toBeLessThanOrEqual(hintTokens + 4);
    expect(out.result.usage!.cachedTokens).toBeGreaterThan(before.next - 40);
  });

  it("continuing after a pause without a hint evaluates one token", async () => {
    const first = await collect(provider().generate(request({ session: "cont", maxTokens: 25 }), new AbortController().signal));
    const before = await meter("cont");
    const out = await collect(
      provider().generate(request({ session: "cont", maxTokens: 5, assistantPrefill: "<think>\n" + first.text }), new AbortController().signal),
    );
    const after = await meter("cont");
    // The cache already holds everything; the last token is evaluated again to get its next-token logits.
    expect(out.result.usage!.promptTokens! - out.result.usage!.cachedTokens!).toBe(1);
    expect(after.evaluated - before.evaluated).toBe(1 + 5);
  });

  it("keeps at most maxContexts contexts: the least recently used idle trace is released", async () => {
    const loaded = (await runtime.loaded(modelPath))!;
    for (const id of ["lru-1", "lru-2", "lru-3"]) {
      await collect(provider().generate(request({ session: id, maxTokens: 2 }), new AbortController().signal));
    }
    expect(loaded.sessions.size).toBe(2);
    expect(loaded.sessions.keys().sort()).toEqual(["lru-2", "lru-3"]);
    // A released trace comes back with a fresh context: its whole prompt is evaluated again.
    const back = await collect(provider().generate(request({ session: "lru-1", maxTokens: 2 }), new AbortController().signal));
    expect(back.result.usage!.cachedTokens).toBe(0);
    expect(loaded.sessions.keys().sort()).toEqual(["lru-1", "lru-3"]);
  });

  it("says what to do when the prompt does not fit the context, and when the file is missing", async () => {
    const long = request({ session: "long", userMessage: "x".repeat(3000) });
    await expect(collect(provider().generate(long, new AbortController().signal))).rejects.toThrow(/HINTLAB_LOCAL_CONTEXT_SIZE/);
    const missing = createLocalProvider({ runtime, modelPath: join(dir, "nope.gguf"), modelName: "nope.gguf", template: "qwen3" });
    const error = await collect(missing.generate(request(), new AbortController().signal)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelError);
    expect((error as ModelError).code).toBe("model-not-found");
    expect((error as ModelError).message).toMatch(/hintlab model pull/);
  });
});
