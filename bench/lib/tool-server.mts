// A bench-only OpenAI-compatible completions server (plain node:http, SSE) whose "model" uses
// tools the way the issue describes a real one: it thinks, closes its thinking; after a tool
// hint it writes a program; after each tool output it goes on thinking for AFTER_TOOL_CHARS
// more characters before it answers. Stateless: what it streams is decided from the prompt.
// Each stream runs at a fixed rate (4 characters = 1 token per chunk), as one sequence of a
// batched server would. Not a model and never presented as one.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface ToolServerOptions {
  /** Tokens (4-character chunks) per second per stream. */
  tokensPerSecond: number;
  /** Characters of thinking before the model first closes its thinking. */
  thinkChars: number;
  /** Characters the model thinks after each tool output. */
  afterToolChars: number;
  /** The program written after a tool hint. */
  program: string;
}

const THINK_CLOSE = "</think>";
const OUTPUT_BLOCK = /```output\n[\s\S]*?```\n?/g;
const WORDS = "so the sum of the roots is then we check the case where n is even and the product stays bounded hence".split(" ");

/** Deterministic thinking text of about `n` characters, with no fence, tag or trigger word in it. */
function thinking(n: number, salt: number): string {
  let s = "";
  let i = salt;
  while (s.length < n) {
    s += WORDS[i % WORDS.length] + (i % 17 === 16 ? ".\n\n" : " ");
    i = (i * 7 + 3) % 1009;
  }
  return s.slice(0, n);
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}

/** What the model writes next: the rest of the current phase (first thinking, a program, or thinking after an output). */
export function nextText(prompt: string, o: ToolServerOptions): string {
  const start = prompt.lastIndexOf("<think>\n");
  const assistant = start === -1 ? prompt : prompt.slice(start + "<think>\n".length);
  const fence = assistant.lastIndexOf("```python");
  if (fence !== -1 && !assistant.slice(fence + 9).includes("```")) {
    return (assistant.endsWith("\n") ? "" : "\n") + o.program.replace(/\n?$/, "\n") + "```\n";
  }
  const outputs = [...assistant.matchAll(OUTPUT_BLOCK)];
  const last = outputs.at(-1);
  const tail = last ? assistant.slice(last.index + last[0].length) : assistant;
  // Problems think for different lengths (0.5–1.5× the setting, by the prompt's problem), so
  // traces reach their tools at different times, as real ones do.
  const spread = 0.5 + (hash(start === -1 ? prompt : prompt.slice(0, start)) % 1000) / 1000;
  const phase = last
    ? `${thinking(o.afterToolChars, outputs.length)}\n${THINK_CLOSE}\n\nSo the answer is \\boxed{42}.`
    : `${thinking(Math.round(o.thinkChars * spread), 0)}\n${THINK_CLOSE}\n\nThe answer is \\boxed{42}.`;
  // Resumed within the phase (after a pause at the end of thinking with nothing injected): go on from there.
  return phase.startsWith(tail) ? phase.slice(tail.length) : phase.slice(phase.indexOf(THINK_CLOSE));
}

export async function startToolServer(o: ToolServerOptions): Promise<{ baseUrl: string; close: () => Promise<void> }> {
  const interval = 1000 / o.tokensPerSecond;
  const server = http.createServer((req, res) => {
    if (req.method === "GET" && req.url?.endsWith("/models")) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ object: "list", data: [{ id: "tool-bench", object: "model" }] }));
      return;
    }
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (d: string) => (body += d));
    req.on("end", () => {
      const r = JSON.parse(body) as { prompt: string; stop?: string[] | string; max_tokens?: number };
      let text = nextText(r.prompt, o);
      let finish = "stop";
      // vLLM's way: the matched stop string is not sent, and `stop_reason` names it (null: end of sequence).
      let stopReason: string | null = null;
      const stops = typeof r.stop === "string" ? [r.stop] : (r.stop ?? []);
      for (const stop of stops) {
        const i = text.indexOf(stop); // each cut leaves only text before it: the earliest stop wins
        if (i >= 0) {
          text = text.slice(0, i);
          stopReason = stop;
        }
      }
      const maxChars = (r.max_tokens ?? Infinity) * 4;
      if (text.length > maxChars) {
        text = text.slice(0, maxChars);
        finish = "length";
      }
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      const chunk = (t: string, f: string | null) =>
        `data: ${JSON.stringify({ id: "cmpl-bench", object: "text_completion", created: 0, model: "tool-bench", choices: [{ index: 0, text: t, logprobs: null, finish_reason: f, stop_reason: f === "stop" ? stopReason : null }] })}\n\n`;
      let at = 0;
      const started = performance.now();
      let sent = 0;
      // One timer per stream, catching up on missed ticks, so the rate holds under load.
      const timer = setInterval(() => {
        const due = Math.floor((performance.now() - started) / interval) + 1;
        let out = "";
        while (sent < due && at < text.length) {
          out += chunk(text.slice(at, at + 4), null);
          at += 4;
          sent++;
        }
        if (at >= text.length) {
          clearInterval(timer);
          const tokens = Math.ceil(text.length / 4);
          out += chunk("", finish).replace(/\}\]\}\n\n$/, `}],"usage":{"prompt_tokens":${Math.ceil(r.prompt.length / 4)},"completion_tokens":${tokens},"total_tokens":${tokens}}}\n\n`);
          out += "data: [DONE]\n\n";
          res.end(out);
        } else if (out) res.write(out);
      }, interval);
      res.on("close", () => clearInterval(timer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
