import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startScriptedServer, type ScriptedServer } from "@/e2e/fixtures/scripted-server";
import { GenerateFrameSchema, NdjsonDecoder, type TokenLogprob } from "@/lib/protocol";
import { generateStream } from "./generate-stream";
import { createLogprobAligner, createLogprobParser } from "./logprobs";
import { createOpenAIChatProvider } from "./openai-chat";
import { createOpenAICompletionsProvider } from "./openai-completions";
import { fuManchu, generateRequest, modelConfig } from "./testing/helpers";
import type { Provider } from "./types";

describe("createLogprobParser", () => {
  it("reads vLLM's legacy completions shape, alternatives sorted and cut to N", () => {
    const parser = createLogprobParser(2);
    const tokens = parser.parse({
      tokens: [" Wait", ","],
      token_logprobs: [-0.9, -0.001],
      top_logprobs: [{ " So": -1.2, " Wait": -0.9, " But": -2.5 }, null],
      text_offset: [10, 15],
    });
    expect(tokens).toEqual([
      { text: " Wait", logprob: -0.9, top: [{ text: " Wait", logprob: -0.9 }, { text: " So", logprob: -1.2 }] },
      { text: ",", logprob: -0.001, top: [] },
    ]);
  });

  it("reads the content-list shape; bytes decide the text, a split character lands on its last byte", () => {
    const parser = createLogprobParser(5);
    // "≤" is E2 89 A4: llama.cpp sends a byte token per byte when the vocabulary lacks it.
    const tokens = parser.parse({
      content: [
        { token: "\\xe2", logprob: -0.5, bytes: [0xe2], top_logprobs: [{ token: "\\xe2", logprob: -0.5, bytes: [0xe2] }, { token: " x", logprob: -2, bytes: [32, 120] }] },
        { token: "bytes:\\x89\\xa4", logprob: -0.1, top_logprobs: [] },
        { token: " 3", logprob: -Infinity, top_logprobs: [{ token: " 3", logprob: -9999 }] },
      ],
    });
    expect(tokens.map((t) => t.text)).toEqual(["", "≤", " 3"]);
    expect(tokens[0]!.top).toEqual([{ text: "<0xE2>", logprob: -0.5 }, { text: " x", logprob: -2 }]);
    expect(tokens[2]!.logprob).toBe(-64);
    expect(tokens[2]!.top[0]!.logprob).toBe(-64);
  });

  it("treats a missing or null logprobs field as no tokens, and positive noise as 0", () => {
    const parser = createLogprobParser(5);
    expect(parser.parse(null)).toEqual([]);
    expect(parser.parse(undefined)).toEqual([]);
    expect(parser.parse({ content: [{ token: "a", logprob: 1e-6, top_logprobs: [] }] })[0]!.logprob).toBe(0);
  });
});

describe("createLogprobAligner", () => {
  const token = (text: string, logprob = -0.1) => ({ text, logprob, top: [] });

  it("reports a token once its text is yielded, never one past the yielded text", () => {
    const a = createLogprobAligner();
    a.pushTokens([token("Let"), token(" me"), token(" see")]);
    a.pushText("Let m");
    expect(a.drain().map((t) => [t.start, t.text])).toEqual([[0, "Let"]]);
    a.pushText("e se");
    expect(a.drain().map((t) => [t.start, t.text])).toEqual([[3, " me"]]);
    // The stream ends here: " see" never is reported.
    expect(a.drain()).toEqual([]);
  });

  it("drops a token whose text is not where it should be (a parser removed </think>) and goes on", () => {
    const a = createLogprobAligner();
    a.pushTokens([token("done"), token("</think>"), token("\n\n"), token("**Answer**")]);
    a.pushText("done\n\n**Answer**");
    expect(a.drain().map((t) => [t.start, t.text])).toEqual([
      [0, "done"],
      [4, "\n\n"],
      [6, "**Answer**"],
    ]);
  });
});

describe("providers against the scripted server", () => {
  let server: ScriptedServer;
  beforeAll(async () => {
    server = await startScriptedServer({ chunksPerSecond: 0 });
  });
  afterAll(() => server.close());

  async function collect(provider: Provider, overrides = {}) {
    const tokens: TokenLogprob[] = [];
    let text = "";
    let unchecked: TokenLogprob[] = [];
    let reportedPastNextChunk = false;
    const gen = provider.generate(generateRequest({ logprobs: 5, ...overrides }), new AbortController().signal, (batch) => {
      tokens.push(...batch);
      unchecked = unchecked.concat(batch);
    });
    for (;;) {
      const next = await gen.next();
      if (!next.done) text += next.value;
      // A batch describes text yielded before it or in the very next chunk, never beyond.
      if (unchecked.some((t) => t.start + t.text.length > text.length)) reportedPastNextChunk = true;
      unchecked = [];
      if (next.done) break;
    }
    return { tokens, text, reportedPastNextChunk };
  }

  function expectAligned(text: string, tokens: TokenLogprob[]) {
    expect(tokens.length).toBeGreaterThan(10);
    let end = 0;
    for (const t of tokens) {
      expect(t.start).toBe(end);
      expect(text.slice(t.start, t.start + t.text.length)).toBe(t.text);
      expect(t.logprob).toBeLessThanOrEqual(0);
      expect(t.top.length).toBeLessThanOrEqual(5);
      for (const a of t.top) expect(a.logprob).toBeLessThanOrEqual(0);
      end = t.start + t.text.length;
    }
    return end;
  }

  for (const [name, create, asked] of [
    ["completions", createOpenAICompletionsProvider, { logprobs: 5 }],
    ["chat", createOpenAIChatProvider, { logprobs: true, top_logprobs: 5 }],
  ] as const) {
    it(`${name}: asks for logprobs, and every yielded character has its token, in order`, async () => {
      const before = server.requests.length;
      const out = await collect(create(modelConfig(server.baseUrl)), { maxTokens: 300 });
      expect(server.requests[before]!.body).toMatchObject(asked);
      expect(expectAligned(out.text, out.tokens)).toBe(out.text.length);
      expect(out.tokens.some((t) => t.top.length === 5)).toBe(true);
      expect(out.reportedPastNextChunk).toBe(false);
    });

    it(`${name}: the tokens of a stop string the server cut are not reported`, async () => {
      const out = await collect(create(modelConfig(server.baseUrl)), { stop: ["Wait"] });
      expect(out.text).toBe(fuManchu.completion.slice(0, fuManchu.completion.indexOf("Wait")));
      expect(expectAligned(out.text, out.tokens)).toBe(out.text.length);
      expect(out.tokens.some((t) => t.text.includes("Wait"))).toBe(false);
    });
  }

  it("does not ask for logprobs unless the request does", async () => {
    const before = server.requests.length;
    const gen = createOpenAICompletionsProvider(modelConfig(server.baseUrl)).generate(generateRequest({ maxTokens: 5 }), new AbortController().signal, () => {
      throw new Error("no logprobs were asked for");
    });
    while (!(await gen.next()).done);
    expect(server.requests[before]!.body).not.toHaveProperty("logprobs");
  });
});

describe("generateStream: logprobs frames", () => {
  async function frames(request: ReturnType<typeof generateRequest>) {
    const provider: Provider = {
      async *generate(_request, _signal, onLogprobs) {
        onLogprobs?.([{ start: 0, text: "Hi", logprob: -0.5, top: [] }]);
        yield "Hi";
        onLogprobs?.([{ start: 2, text: " there", logprob: -0.25, top: [{ text: " there", logprob: -0.25 }] }]);
        yield " there";
        return { finishReason: "eos" };
      },
    };
    const decoder = new NdjsonDecoder();
    const bytes = new Uint8Array(await new Response(generateStream(provider, request, new AbortController().signal)).arrayBuffer());
    return [...decoder.push(bytes), ...decoder.end()].map((f) => GenerateFrameSchema.parse(f));
  }

  it("each logprobs frame comes right after the text frame it describes", async () => {
    const out = await frames(generateRequest({ logprobs: 1 }));
    expect(out.map((f) => f.type)).toEqual(["text", "logprobs", "text", "logprobs", "done"]);
    expect(out[3]).toMatchObject({ type: "logprobs", tokens: [{ start: 2, text: " there" }] });
  });

  it("no sink, so no frames, when the request does not ask", async () => {
    expect((await frames(generateRequest())).map((f) => f.type)).toEqual(["text", "text", "done"]);
  });
});
