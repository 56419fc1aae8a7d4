import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GenerateRequest, TokenLogprob } from "@/lib/protocol";
import { writeTinyGguf } from "../testing/tiny-gguf";
import { createLocalProvider } from "./local-provider";
import { LocalRuntime } from "./runtime";

// Token probabilities from node-llama-cpp (evaluateWithMetadata) on the tiny random model.
const dir = mkdtempSync(join(tmpdir(), "hintlab-local-logprobs-"));
const modelPath = join(dir, "tiny.gguf");
let runtime: LocalRuntime;
beforeAll(() => {
  writeTinyGguf(modelPath, { ctx: 4096 });
  runtime = new LocalRuntime({ threads: 1, gpu: false, contextSize: 2048, maxContexts: 2, idleMs: 0 });
});
afterAll(() => runtime.close());

const request = (overrides: Partial<GenerateRequest> = {}): GenerateRequest => ({
  prompt: "",
  userMessage: "What is 2+2?",
  assistantPrefill: "<think>\n",
  stop: [],
  maxTokens: 40,
  temperature: 0.8,
  seed: 5,
  ...overrides,
});

async function run(req: GenerateRequest) {
  const tokens: TokenLogprob[] = [];
  let text = "";
  const gen = createLocalProvider({ runtime, modelPath, template: "qwen3" }).generate(req, new AbortController().signal, (batch) => tokens.push(...batch));
  for (;;) {
    const next = await gen.next();
    if (next.done) return { text, tokens, result: next.value };
    text += next.value;
  }
}

describe("local provider: token probabilities", () => {
  it("reports one entry per sampled token, spelling the yielded text, every logprob ≤ 0 with alternatives", async () => {
    const out = await run(request({ session: "lp-a", logprobs: 5 }));
    expect(out.result.usage?.completionTokens).toBe(out.tokens.length);
    let end = 0;
    for (const t of out.tokens) {
      expect(t.start).toBe(end);
      expect(out.text.slice(t.start, t.start + t.text.length)).toBe(t.text);
      expect(t.logprob).toBeLessThanOrEqual(0);
      expect(t.top.length).toBeGreaterThan(0);
      expect(t.top.length).toBeLessThanOrEqual(5);
      for (const a of t.top) expect(a.logprob).toBeLessThanOrEqual(0);
      end = t.start + t.text.length;
    }
    expect(end).toBe(out.text.length);
  });

  it("the same text with and without logprobs (asking does not change sampling), and none unless asked", async () => {
    const withLp = await run(request({ session: "lp-b", logprobs: 2 }));
    const without = await run(request({ session: "lp-c" }));
    expect(without.text).toBe(withLp.text);
    expect(without.tokens).toEqual([]);
  });
});
