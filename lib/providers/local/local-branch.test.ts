import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GenerateRequest, TokenLogprob } from "@/lib/protocol";
import type { Provider } from "../types";
import { writeTinyGguf } from "../testing/tiny-gguf";
import { createLocalProvider } from "./local-provider";
import { LocalRuntime } from "./runtime";

// Branch from an alternative (issue 11) on the tiny local GGUF: the fork's text is the text before
// a sampled token plus one of that token's alternatives, and the model must continue from exactly
// there — in the same session, whose KV cache still holds the replaced token and what followed it.
const dir = mkdtempSync(join(tmpdir(), "hintlab-local-branch-"));
const modelPath = join(dir, "tiny.gguf");
let runtime: LocalRuntime;
beforeAll(() => {
  writeTinyGguf(modelPath, { ctx: 4096 });
  runtime = new LocalRuntime({ threads: 1, gpu: false, contextSize: 2048, maxContexts: 3, idleMs: 0 });
});
afterAll(() => runtime.close());

const OPEN = "<think>\n";
const request = (overrides: Partial<GenerateRequest> = {}): GenerateRequest => ({
  prompt: "",
  userMessage: "What is 2+2?",
  assistantPrefill: OPEN,
  stop: [],
  maxTokens: 40,
  temperature: 0.8,
  seed: 5,
  ...overrides,
});

async function run(provider: Provider, req: GenerateRequest) {
  const tokens: TokenLogprob[] = [];
  let text = "";
  const gen = provider.generate(req, new AbortController().signal, (batch) => tokens.push(...batch));
  for (;;) {
    const next = await gen.next();
    if (next.done) return { text, tokens, result: next.value };
    text += next.value;
  }
}

describe("local provider: branch from an alternative token", () => {
  it("continues from exactly the alternative: the tokens before it kept as sampled, then the alternative, evaluating only the tail", async () => {
    const provider = createLocalProvider({ runtime, modelPath, template: "qwen3" });
    const first = await run(provider, request({ session: "branch-a", logprobs: 5 }));
    const loaded = await runtime.load(modelPath);
    const history = () => loaded.sessions.get("branch-a")!.history;
    const firstTokens = [...history().tokens];
    const firstText = history().text;
    // A token past the start with a different, non-empty alternative (a real fork point).
    const usable = (a: { text: string }, t: TokenLogprob) => a.text !== t.text && a.text.trim() !== "" && !a.text.startsWith("<0x");
    const index = first.tokens.findIndex((t, i) => i >= 3 && t.text !== "" && t.top.some((a) => usable(a, t)));
    expect(index, "the tiny model gave no alternative to branch from").toBeGreaterThan(0);
    const token = first.tokens[index]!;
    const alternative = token.top.find((a) => usable(a, token))!;
    const before = first.text.slice(0, token.start);

    const meter = provider.tokensEvaluated!();
    const branched = await run(provider, request({ session: "branch-a", assistantPrefill: OPEN + before + alternative.text, temperature: 0, logprobs: 5 }));
    const evaluated = provider.tokensEvaluated!() - meter;

    // The context is the first run's own tokens up to the branched one (not a re-tokenization of
    // the text), then the alternative, then what the model wrote from there.
    const promptTokens = firstTokens.length - first.tokens.length;
    // Byte tokens of a character split over several tokens share its start: the branch cuts before all of them.
    const kept = promptTokens + first.tokens.findIndex((t) => t.start === token.start);
    expect(history().tokens.slice(0, kept)).toEqual(firstTokens.slice(0, kept));
    const branchPoint = firstText.length - first.text.length + token.start;
    expect(history().text.slice(0, branchPoint)).toBe(firstText.slice(0, branchPoint));
    expect(history().text.slice(branchPoint)).toBe(alternative.text + branched.text);
    // Only the tail was evaluated: the alternative (a few tokens at most) and what was sampled after it.
    const sampled = branched.result.usage?.completionTokens ?? 0;
    expect(sampled).toBeGreaterThan(0);
    expect(evaluated).toBeLessThanOrEqual(sampled + 8);
  });
});
