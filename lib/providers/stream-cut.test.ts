// Issue 10: a model server that answers 200, sends a first packet of text, then cuts the body.
// The user must see stream-broken with every character that arrived (the trace keeps it and
// Continue resumes there), never "Could not connect", and the request must not be re-sent.
import OpenAI from "openai";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  GenerateFrameSchema,
  NdjsonDecoder,
  type GenerateFrame,
} from "@/lib/protocol";
import { POST } from "@/app/api/generate/route";
import { createOpenAIChatProvider } from "./openai-chat";
import { createOpenAICompletionsProvider } from "./openai-completions";
import {
  cutStream,
  startCutServer,
  type Answer,
  type CutServer,
  type Cut,
  type Framing,
} from "./testing/cut-server";
import { generateRequest, modelConfig, run } from "./testing/helpers";
import { ModelError } from "./types";

const completionEvent = (text: string) =>
  `data: ${JSON.stringify({ id: "cmpl-1", object: "text_completion", choices: [{ index: 0, text, finish_reason: null }] })}\n\n`;
const chatEvent = (content: string) =>
  `data: ${JSON.stringify({ id: "chatcmpl-1", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;

/** Two complete events, then the start of a third that the cut leaves unparseable (never yielded). */
const FIRST_PACKET_TEXT = ["Okay, so I ", "need to find the café’s "];
const SENT = FIRST_PACKET_TEXT.join("");
const firstPacket = (event: (text: string) => string) =>
  FIRST_PACKET_TEXT.map(event).join("") + event("address").slice(0, 30);

const providers = [
  {
    name: "completions",
    event: completionEvent,
    create: (baseUrl: string) =>
      createOpenAICompletionsProvider(modelConfig(baseUrl)),
  },
  {
    name: "chat",
    event: chatEvent,
    create: (baseUrl: string) =>
      createOpenAIChatProvider(
        modelConfig(baseUrl, { provider: "openai-chat" }),
      ),
  },
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
const serve = async (answer: Answer) =>
  (server = await startCutServer(() => answer));

describe.each(providers)(
  "$name provider: a body cut after its first packet of text",
  ({ event, create }) => {
    for (const { framing, cut } of cuts)
      for (const split of [false, true])
        it(`${framing} body, ${cut.toUpperCase()} after ${split ? "a text packet of its own" : "one packet with the headers"}: stream-broken with all the text`, async () => {
          const { baseUrl, requests } = await serve(
            cutStream(firstPacket(event), { framing, cut, split }),
          );
          const out = await run(create(baseUrl), generateRequest());
          expect(out.error).toBeInstanceOf(ModelError);
          expect((out.error as ModelError).code).toBe("stream-broken");
          expect(out.text).toBe(SENT);
          expect((out.error as ModelError).message).toContain(
            `broke mid-stream after ${SENT.length} characters`,
          );
          expect((out.error as ModelError).message).not.toContain(
            "Could not connect",
          );
          expect(requests()).toBe(1); // not re-sent: a second attempt would duplicate or lose text
        });
  },
);

describe("retries of the openai package", () => {
  it("never re-send a request whose streamed response has started, even with maxRetries on", async () => {
    const { baseUrl, requests } = await serve(
      cutStream(firstPacket(completionEvent), {
        framing: "chunked",
        cut: "rst",
        split: false,
      }),
    );
    const client = new OpenAI({
      baseURL: baseUrl,
      apiKey: "EMPTY",
      maxRetries: 3,
      logLevel: "off",
    });
    const texts: string[] = [];
    const stream = await client.completions.create({
      model: "m",
      prompt: "p",
      stream: true,
    });
    await expect(async () => {
      for await (const chunk of stream) texts.push(chunk.choices[0]!.text);
    }).rejects.toThrow(/terminated/);
    expect(texts.join("")).toBe(SENT);
    expect(requests()).toBe(1);
  });
});

describe("POST /api/generate with a model server that cuts the body", () => {
  it("streams the text frames that arrived, then an error frame with stream-broken", async () => {
    const { baseUrl } = await serve(
      cutStream(firstPacket(completionEvent), {
        framing: "chunked",
        cut: "rst",
        split: false,
      }),
    );
    vi.stubEnv("HINTLAB_BASE_URL", baseUrl);
    vi.stubEnv("HINTLAB_MODEL", "scripted-r1");
    const response = await POST(
      new Request("http://localhost/api/generate", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ request: generateRequest() }),
      }),
    );
    expect(response.status).toBe(200);
    const decoder = new NdjsonDecoder();
    const frames: GenerateFrame[] = [
      ...decoder.push(new Uint8Array(await response.arrayBuffer())),
      ...decoder.end(),
    ].map((f) => GenerateFrameSchema.parse(f));
    expect(frames.slice(0, -1)).toEqual(
      FIRST_PACKET_TEXT.map((text) => ({ type: "text", text })),
    );
    expect(frames.at(-1)).toMatchObject({
      type: "error",
      code: "stream-broken",
    });
    expect((frames.at(-1) as { message: string }).message).toContain(
      `broke mid-stream after ${SENT.length} characters`,
    );
  });
});
