import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createOllamaProvider, ollamaRequestBody } from "./ollama";
import { closedPort, generateRequest, modelConfig, run } from "./testing/helpers";
import { ModelError } from "./types";

/**
 * The Ollama provider against recorded-by-hand NDJSON streams, written to the socket in the pieces
 * a real server's TCP writes arrive in (a line cut mid-JSON, a UTF-8 character cut in two).
 */

const MODEL = "qwq:32b";
const at = "2026-12-03T13:50:01.123456Z";
const line = (fields: Record<string, unknown>) => JSON.stringify({ model: MODEL, created_at: at, ...fields }) + "\n";
const token = (response: string) => line({ response, done: false });
const doneLine = (done_reason: "stop" | "length", extra: Record<string, unknown> = {}) =>
  line({ response: "", done: true, done_reason, total_duration: 4_812_000_000, load_duration: 21_000_000, prompt_eval_count: 87, prompt_eval_duration: 310_000_000, eval_count: 9, eval_duration: 4_400_000_000, ...extra });

/** What one request gets: status + body pieces written one by one (each a separate TCP write), or a custom handler. */
type Script = { status?: number; contentType?: string; pieces: (string | Buffer)[]; thenHang?: boolean; gapMs?: number } | ((req: http.IncomingMessage, res: http.ServerResponse) => void);

interface Seen {
  path: string;
  body: Record<string, unknown> | undefined;
  headers: http.IncomingHttpHeaders;
  closedEarly: boolean;
  settled: Promise<void>;
}

let server: http.Server;
let base: string;
let scripts: Record<string, Script> = {};
const seen: Seen[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let settle = () => {};
    const record: Seen = { path: req.url ?? "", body: undefined, headers: req.headers, closedEarly: false, settled: new Promise((r) => (settle = r)) };
    seen.push(record);
    res.on("close", () => {
      record.closedEarly = !res.writableFinished;
      settle();
    });
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (chunks.length) record.body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
      const script = scripts[req.url ?? ""] ?? { status: 404, contentType: "text/plain", pieces: ["404 page not found"] };
      if (typeof script === "function") return script(req, res);
      res.socket?.setNoDelay(true);
      res.writeHead(script.status ?? 200, { "content-type": script.contentType ?? "application/x-ndjson" });
      void (async () => {
        for (const piece of script.pieces) {
          if (res.destroyed) return;
          res.write(piece);
          await new Promise((r) => setTimeout(r, script.gapMs ?? 5));
        }
        if (!script.thenHang) res.end();
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(() => {
  scripts = {};
  seen.length = 0;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const provider = (overrides = {}) => createOllamaProvider(modelConfig(base, { provider: "ollama", model: MODEL, timeoutMs: 2_000, ...overrides }));
const request = (overrides = {}) => generateRequest({ prompt: "<|im_start|>user\nWhat is 7*8?<|im_end|>\n<|im_start|>assistant\n<think>\n", maxTokens: 64, ...overrides });

function expectModelError(error: unknown, code: ModelError["code"]): ModelError {
  expect(error).toBeInstanceOf(ModelError);
  expect((error as ModelError).code).toBe(code);
  return error as ModelError;
}

/** A recorded stream of one short thought, its lines cut at awkward places. */
function recordedStream(done = doneLine("stop")): (string | Buffer)[] {
  const ndjson = Buffer.from(
    [token("Okay"), token(", 7×8"), token(" is 56."), token(" Wait"), token(", let me check: 8·7 = 56."), token("\n</think>\n\n"), token("\\boxed{56}")].join("") + done,
  );
  // Cut inside a JSON line, and inside the two bytes of "×" (C3 97).
  const times = ndjson.indexOf(Buffer.from("×"));
  return [ndjson.subarray(0, 30), ndjson.subarray(30, times + 1), ndjson.subarray(times + 1, 200), ndjson.subarray(200)];
}
const fullText = "Okay, 7×8 is 56. Wait, let me check: 8·7 = 56.\n</think>\n\n\\boxed{56}";

describe("ollama provider: the request", () => {
  it("posts a raw, streaming /api/generate with num_predict and sampling, and no stop strings", async () => {
    scripts["/api/generate"] = { pieces: recordedStream() };
    await run(provider(), request({ stop: ["Wait", "</think>"], temperature: 0.6, topP: 0.95, seed: 7 }));
    expect(seen[0]!.path).toBe("/api/generate");
    expect(seen[0]!.body).toEqual({
      model: MODEL,
      prompt: request().prompt,
      raw: true,
      stream: true,
      options: { num_predict: 64, temperature: 0.6, top_p: 0.95, seed: 7 },
    });
    expect(seen[0]!.headers.authorization).toBeUndefined();
  });

  it("sends the connection's key as a bearer token (a proxy in front of Ollama)", async () => {
    scripts["/api/generate"] = { pieces: recordedStream() };
    await run(provider({ apiKey: "sk-proxy" }), request());
    expect(seen[0]!.headers.authorization).toBe("Bearer sk-proxy");
  });

  it("leaves out sampling fields that are not set", () => {
    expect(ollamaRequestBody(modelConfig(base, { model: MODEL }), request()).options).toEqual({ num_predict: 64 });
  });
});

describe("ollama provider: streaming", () => {
  it("reassembles lines and characters split across TCP chunks, ends with eos and usage", async () => {
    scripts["/api/generate"] = { pieces: recordedStream() };
    const out = await run(provider(), request());
    expect(out.error).toBeUndefined();
    expect(out.text).toBe(fullText);
    expect(out.chunks.length).toBeGreaterThanOrEqual(5);
    expect(out.result).toEqual({ finishReason: "eos", usage: { promptTokens: 87, completionTokens: 9 } });
  });

  it("reports done_reason length as length, and cached prompt tokens when Ollama counts them", async () => {
    scripts["/api/generate"] = { pieces: [token("Okay, so"), token(" the"), doneLine("length", { eval_count: 3, prompt_eval_cached_count: 80 })] };
    const out = await run(provider(), request({ maxTokens: 3 }));
    expect(out.text).toBe("Okay, so the");
    expect(out.result).toEqual({ finishReason: "length", usage: { promptTokens: 87, completionTokens: 3, cachedTokens: 80 } });
  });

  it("cuts at a stop string split across lines, reports it, and closes the request", async () => {
    // Ollama was sent no stop, so it writes on; the rest must neither be yielded nor be waited for.
    scripts["/api/generate"] = { pieces: [token("Okay, 7×8 is 56. Wa"), token("it, let me check"), token(" again."), token(" More text")], thenHang: true };
    const out = await run(provider(), request({ stop: ["</think>", "Wait"] }));
    expect(out.error).toBeUndefined();
    expect(out.text).toBe("Okay, 7×8 is 56. ");
    expect(out.result).toEqual({ finishReason: "stop", matchedStop: "Wait" });
    await seen[0]!.settled;
    expect(seen[0]!.closedEarly).toBe(true);
  });

  it("finds the end-of-thinking marker inside one line and keeps the text before it", async () => {
    scripts["/api/generate"] = { pieces: [token("so it is 56.\n</think>\n\nThe answer"), doneLine("stop")] };
    const out = await run(provider(), request({ stop: ["</think>"] }));
    expect(out.text).toBe("so it is 56.\n");
    expect(out.result).toEqual({ finishReason: "stop", matchedStop: "</think>" });
  });

  it("gives back text held as a possible stop prefix when the stream ends", async () => {
    scripts["/api/generate"] = { pieces: [token("Hmm, W"), doneLine("stop")] };
    const out = await run(provider(), request({ stop: ["Wait"] }));
    expect(out.text).toBe("Hmm, W");
    expect(out.result?.finishReason).toBe("eos");
  });

  it("keeps a thinking model's `thinking` text", async () => {
    scripts["/api/generate"] = { pieces: [line({ response: "", thinking: "Let me think.", done: false }), token(" 56"), doneLine("stop")] };
    const out = await run(provider(), request());
    expect(out.text).toBe("Let me think. 56");
  });
});

describe("ollama provider: failures", () => {
  it("an error line mid-stream is a server-error, and the text before it is kept", async () => {
    scripts["/api/generate"] = { pieces: [token("Okay, 7×8"), token(" is"), line({ error: "an error was encountered while running the model: unexpected EOF" })] };
    const out = await run(provider(), request());
    expect(out.text).toBe("Okay, 7×8 is");
    const error = expectModelError(out.error, "server-error");
    expect(error.message).toContain("unexpected EOF");
    expect(error.message).toContain("after 12 characters");
  });

  it("aborting mid-stream returns abort with the text so far and closes the request", async () => {
    scripts["/api/generate"] = { pieces: Array.from({ length: 200 }, (_, i) => token(` t${i}`)), gapMs: 10 };
    const controller = new AbortController();
    const out = await run(provider(), request(), controller.signal, (_chunk, index) => {
      if (index === 2) controller.abort();
    });
    expect(out.error).toBeUndefined();
    expect(out.result).toEqual({ finishReason: "abort" });
    expect(out.text).toBe(" t0 t1 t2");
    await seen[0]!.settled;
    expect(seen[0]!.closedEarly).toBe(true);
  });

  it("does not call Ollama when the signal is already aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    const out = await run(provider(), request(), controller.signal);
    expect(out.result).toEqual({ finishReason: "abort" });
    expect(seen).toHaveLength(0);
  });

  it("a stream that ends without its done line is stream-broken", async () => {
    scripts["/api/generate"] = { pieces: [token("Okay"), token(", so")] };
    const out = await run(provider(), request());
    expect(out.text).toBe("Okay, so");
    expect(expectModelError(out.error, "stream-broken").message).toContain("without its done line");
  });

  it("a server that goes silent mid-stream is a timeout", async () => {
    scripts["/api/generate"] = { pieces: [token("Okay")], thenHang: true };
    const out = await run(provider({ timeoutMs: 300 }), request());
    expect(out.text).toBe("Okay");
    expect(expectModelError(out.error, "timeout").message).toContain("HINTLAB_TIMEOUT_MS");
  });

  it("a line that is not JSON is malformed-stream", async () => {
    scripts["/api/generate"] = { pieces: [token("Okay"), "data: {\"choices\": []}\n"] };
    const out = await run(provider(), request());
    expect(out.text).toBe("Okay");
    expect(expectModelError(out.error, "malformed-stream").message).toContain("not Ollama's NDJSON");
  });

  it("an unknown model (404) says `ollama pull NAME` and lists the models Ollama has", async () => {
    scripts["/api/generate"] = { status: 404, contentType: "application/json", pieces: [JSON.stringify({ error: `model "${MODEL}" not found, try pulling it first` })] };
    scripts["/api/tags"] = {
      contentType: "application/json",
      pieces: [JSON.stringify({ models: [{ name: "deepseek-r1:8b", model: "deepseek-r1:8b", size: 4_920_000_000, digest: "abc" }, { name: "qwen3:8b", model: "qwen3:8b" }] })],
    };
    const error = expectModelError((await run(provider(), request())).error, "model-not-found");
    expect(error.message).toContain(`ollama pull ${MODEL}`);
    expect(error.message).toContain("deepseek-r1:8b, qwen3:8b");
  });

  it("a base URL that is not Ollama's root (404 page not found under /v1) says to drop the /v1", async () => {
    const error = expectModelError((await run(createOllamaProvider(modelConfig(`${base}/v1`, { model: MODEL })), request())).error, "endpoint-not-found");
    expect(seen[0]!.path).toBe("/v1/api/generate");
    expect(error.message).toContain("Drop the /v1");
    expect(error.message).toContain(base);
  });

  it("a model that cannot load (500) keeps Ollama's message", async () => {
    scripts["/api/generate"] = { status: 500, contentType: "application/json", pieces: [JSON.stringify({ error: "model requires more system memory (21.5 GiB) than is available (7.6 GiB)" })] };
    const error = expectModelError((await run(provider(), request())).error, "server-error");
    expect(error.message).toContain("more system memory");
  });

  it("nothing listening is connection-refused", async () => {
    const port = await closedPort();
    const out = await run(createOllamaProvider(modelConfig(`http://127.0.0.1:${port}`, { provider: "ollama", model: MODEL })), request());
    const error = expectModelError(out.error, "connection-refused");
    expect(error.message).toContain("connection refused");
    expect(error.message).toContain("ollama serve");
  });
});
