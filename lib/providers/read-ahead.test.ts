import { describe, expect, it } from "vitest";
import { keepReceivedBytes } from "./read-ahead";

const bytes = (text: string) => new TextEncoder().encode(text);

/** A body like fetch's: chunks arrive, then the socket fails (the stream errors, dropping its queue). */
function failingBody(chunks: string[]) {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) }, { highWaterMark: 0 });
  return {
    response: new Response(stream, { status: 200, headers: { "content-type": "text/event-stream" } }),
    arrive: () => chunks.forEach((chunk) => controller.enqueue(bytes(chunk))),
    fail: () => controller.error(new TypeError("terminated")),
  };
}

async function readAll(response: Response): Promise<{ text: string; error?: unknown }> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text };
      text += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    return { text, error };
  }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

describe("keepReceivedBytes", () => {
  it("without it, fetch's body drops the chunks nobody read yet when the socket fails", async () => {
    const body = failingBody(["data: one\n\n", "data: two\n\n"]);
    body.arrive();
    body.fail();
    expect(await readAll(body.response)).toEqual({ text: "", error: new TypeError("terminated") });
  });

  it("delivers every byte that arrived before the failure, then the failure", async () => {
    const body = failingBody(["data: one\n\n", "data: two\n\n", "data: thr"]);
    const response = keepReceivedBytes(body.response, new AbortController().signal);
    await tick();
    body.arrive();
    await tick(); // read ahead while the consumer is busy elsewhere
    body.fail();
    await tick();
    const out = await readAll(response);
    expect(out.text).toBe("data: one\n\ndata: two\n\ndata: thr");
    expect(out.error).toEqual(new TypeError("terminated"));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
  });

  it("ends like the original when nothing fails", async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes("data: one\n\n"));
        c.close();
      },
    });
    expect(await readAll(keepReceivedBytes(new Response(stream), undefined))).toEqual({ text: "data: one\n\n" });
  });

  it("reports an abort at once, without the text queued before it", async () => {
    const body = failingBody(["data: one\n\n"]);
    const abort = new AbortController();
    const response = keepReceivedBytes(body.response, abort.signal);
    await tick();
    body.arrive();
    await tick();
    abort.abort();
    body.fail();
    await tick();
    const out = await readAll(response);
    expect(out.text).toBe("");
    expect((out.error as Error).name).toBe("AbortError"); // the openai package ends quietly on an AbortError
  });

  it("stops reading ahead at its limit, so a stalled consumer still slows the upstream read", async () => {
    let pulls = 0;
    const endless = new ReadableStream<Uint8Array>({ pull: (c) => void (pulls++, c.enqueue(new Uint8Array(100))) }, { highWaterMark: 0 });
    keepReceivedBytes(new Response(endless), undefined, 1_000);
    await tick();
    expect(pulls).toBeGreaterThanOrEqual(10);
    expect(pulls).toBeLessThanOrEqual(12);
  });
});
