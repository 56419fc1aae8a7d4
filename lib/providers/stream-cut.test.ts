// Issue 10: a model server that answers 200, sends text, then cuts the body. The user must see
// stream-broken with every character that reached the hintlab server (the trace keeps it and
// Continue resumes there), never "Could not connect", and the request must not be re-sent.
import OpenAI from "openai";
import { afterEach, describe, expect, it, vi } from "vitest";
import { GenerateFrameSchema, NdjsonDecoder, type GenerateFrame } from "@/lib/protocol";
import { POST } from "@/app/api/generate/route";
import { createOpenAIChatProvider } from "./openai-chat";
import { createOpenAICompletionsProvider } from "./openai-completions";
import { cutStream, startCutServer, type Answer, type Cut, type CutServer, type Framing } from "./testing/cut-server";
import { generateRequest, modelConfig, run } from "./testing/helpers";
import { ModelError } from "./types";

const completionEvent = (text: string) =>
  `data: ${JSON.stringify({ id: "cmpl-1", object: "text_completion", choices: [{ index: 0, text, finish_reason: null }] })}\n\n`;
const chatEvent = (content: string) =>
  `data: ${JSON.stringify({ id: "chatcmpl-1", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;

/** Two complete events, then the start of a third that the cut leaves unparseable (never yielded). */
const FIRST_PACKET_TEXT = ["Okay, so I ", "need to find the café’s "];
const SENT = FIRST_PACKET_TEXT.join("");
const firstPacket = (event: (text: string) => string) => FIRST_PACKET_TEXT.map(event).join("") + event("address").slice(0, 30);

const providers = [
  { name: "completions", event: completionEvent, create: (baseUrl: string) => createOpenAICompletionsProvider(modelConfig(baseUrl)) },
  { name: "chat", event: chatEvent, create: (baseUrl: string) => createOpenAIChatProvider(modelConfig(baseUrl, { provider: "openai-chat" })) },
] as const;

const cuts: { framing: Framing; cut: Cut }[] = [
  { framing: "close-delimited", cut: "rst" },
  { framing: "chunked", cut: "fin" },
  { framing: "chunked", cut: "rst" },
  { framing: "content-length", cut: "fin" },
  { framing: "content-length", cut: "rst" },
];

let server: CutServer | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await server?.close();
  server = undefined;
});
const serve = async (answer: Answer) => (server = await startCutServer(() => answer));

function expectBroken(error: unknown, characters: number): ModelError {
  expect(error).toBeInstanceOf(ModelError);
  const modelError = error as ModelError;
  expect(modelError.code).toBe("stream-broken");
  expect(modelError.message).toContain(`broke mid-stream after ${characters} characters`);
  expect(modelError.message).not.toContain("Could not connect");
  return modelError;
}

describe.each(providers)("$name provider: a body cut after text", ({ event, create }) => {
  for (const { framing, cut } of cuts)
    for (const headersAlone of [false, true])
      it(`${framing} body, ${cut.toUpperCase()} after ${headersAlone ? "headers, then a text packet" : "one packet of headers and text"}: stream-broken with all the text`, async () => {
        const { baseUrl, requests } = await serve(cutStream([firstPacket(event)], { framing, cut, headersAlone }));
        const out = await run(create(baseUrl), generateRequest());
        expectBroken(out.error, SENT.length);
        expect(out.text).toBe(SENT);
        expect(requests()).toBe(1); // not re-sent: a second attempt would duplicate or lose text
      });

  for (const { framing, cut } of cuts.filter((c) => c.framing !== "close-delimited"))
    it(`${framing} body, ${cut.toUpperCase()}: text that arrived while the reader held an earlier chunk is still yielded`, async () => {
      // generateStream is pull-based: while the browser is behind, the next packet waits in the
      // response body, and the cut comes before anyone reads it.
      const { baseUrl } = await serve(cutStream([event("one "), event("two ") + event("three ")], { framing, cut }));
      const out = await run(create(baseUrl), generateRequest(), undefined, async (_chunk, index) => {
        if (index === 0) await new Promise((resolve) => setTimeout(resolve, 300));
      });
      expectBroken(out.error, "one two three ".length);
      expect(out.text).toBe("one two three ");
    });

  it("a server that closes before any byte of a response: one attempt, and the message says what happened", async () => {
    for (const cut of ["fin", "rst"] as const) {
      const { baseUrl, requests } = await serve((socket) => (cut === "rst" ? socket.resetAndDestroy() : socket.end()));
      const out = await run(create(baseUrl), generateRequest());
      expect(out.text).toBe("");
      const error = out.error as ModelError;
      expect(error.code).toBe("connection-refused");
      expect(error.message).toMatch(
        new RegExp(`^The model server at ${baseUrl} closed the connection before sending a response \\((UND_ERR_SOCKET|ECONNRESET)\\)`),
      );
      expect(error.message).not.toContain("Could not connect");
      expect(requests()).toBe(1);
      await server!.close();
    }
  });
});

describe("retries of the openai package", () => {
  it("never re-send a request whose streamed response has started, even with maxRetries on", async () => {
    const { baseUrl, requests } = await serve(cutStream([firstPacket(completionEvent)], { framing: "chunked", cut: "rst" }));
    const client = new OpenAI({ baseURL: baseUrl, apiKey: "EMPTY", maxRetries: 3, logLevel: "off" });
    const texts: string[] = [];
    const stream = await client.completions.create({ model: "m", prompt: "p", stream: true });
    await expect(async () => {
      for await (const chunk of stream) texts.push(chunk.choices[0]!.text);
    }).rejects.toThrow(/terminated/);
    expect(texts.join("")).toBe(SENT);
    expect(requests()).toBe(1);
  });
});

describe("POST /api/generate with a model server that cuts the body", () => {
  const post = () =>
    POST(
      new Request("http://localhost/api/generate", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ request: generateRequest() }),
      }),
    );
  const readFrames = async (body: ReadableStream<Uint8Array>, onFrame?: (index: number) => Promise<void>): Promise<GenerateFrame[]> => {
    const decoder = new NdjsonDecoder();
    const frames: GenerateFrame[] = [];
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      const raw = done ? decoder.end() : decoder.push(value);
      for (const frame of raw) {
        frames.push(GenerateFrameSchema.parse(frame));
        await onFrame?.(frames.length - 1);
      }
      if (done) return frames;
    }
  };

  it("a browser that falls behind still gets every character that reached the server, then stream-broken", async () => {
    const { baseUrl } = await serve(cutStream(["one ", "two ", "three "].map(completionEvent), { framing: "chunked", cut: "rst" }));
    vi.stubEnv("HINTLAB_BASE_URL", baseUrl);
    vi.stubEnv("HINTLAB_MODEL", "scripted-r1");
    const response = await post();
    const frames = await readFrames(response.body!, async (index) => {
      if (index === 0) await new Promise((resolve) => setTimeout(resolve, 300));
    });
    expect(frames.filter((f) => f.type === "text").map((f) => f.text)).toEqual(["one ", "two ", "three "]);
    expect(frames.at(-1)).toMatchObject({ type: "error", code: "stream-broken" });
    expect((frames.at(-1) as { message: string }).message).toContain("broke mid-stream after 14 characters");
  });

  it("streams the text frames that arrived, then an error frame with stream-broken", async () => {
    const { baseUrl } = await serve(cutStream([firstPacket(completionEvent)], { framing: "chunked", cut: "rst" }));
    vi.stubEnv("HINTLAB_BASE_URL", baseUrl);
    vi.stubEnv("HINTLAB_MODEL", "scripted-r1");
    const response = await post();
    expect(response.status).toBe(200);
    const frames = await readFrames(response.body!);
    expect(frames.slice(0, -1)).toEqual(FIRST_PACKET_TEXT.map((text) => ({ type: "text", text })));
    expect(frames.at(-1)).toMatchObject({ type: "error", code: "stream-broken" });
    expect((frames.at(-1) as { message: string }).message).toContain(`broke mid-stream after ${SENT.length} characters`);
  });
});
