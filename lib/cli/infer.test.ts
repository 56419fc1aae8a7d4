import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TraceSchema, type Trace } from "@/lib/protocol";
import { startScriptedServer, type ScriptedServer } from "@/e2e/fixtures/scripted-server";
import { startHfMockServer } from "@/lib/providers/testing/hf-mock-server";
import { tinyGguf } from "@/lib/providers/testing/tiny-gguf";

/** A port nothing listens on (for "offline"). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const ROOT = path.resolve(import.meta.dirname, "../..");
const traces = readFileSync(path.join(ROOT, "e2e/fixtures/data/r1-distill-math-40.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l) as { id: string; problem: string; gold_answer: string; completion: string });
const fixture = traces.find((t) => t.id.endsWith("problem_1591/correct"))!;

function hintlab(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, "bin/hintlab.mjs"), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_ENV: "production", ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer({ chunksPerSecond: 0 });
});
afterAll(() => server.close());

describe("hintlab infer (headless)", () => {
  it("paper policy, 2 rounds: the same session as the playground, printed as one JSON trace", async () => {
    const r = await hintlab(["infer", "--base-url", server.baseUrl, "--model", "scripted-r1", "--template", "deepseek-r1", "--problem", fixture.problem, "--gold", fixture.gold_answer, "--policy", "paper", "--rounds", "2", "--seed", "3"]);
    expect(r.code, r.stderr).toBe(0);
    const trace: Trace = TraceSchema.parse(JSON.parse(r.stdout));
    expect(trace.segments.map((s) => s.kind)).toEqual(["prompt", "model", "hint", "model", "tool_output", "hint", "model", "tool_output", "model"]);
    // The model's own thinking is kept verbatim up to the end-of-thinking pause.
    expect(fixture.completion.startsWith(trace.segments[1]!.text)).toBe(true);
    expect(trace.segments.filter((s) => s.kind === "hint").every((s) => s.reason === "end-of-thinking")).toBe(true);
    expect(trace.segments[4]!.text).toMatch(/^```output\n[\s\S]*6\.17[\s\S]*\n```\n$/);
    expect(trace.events.filter((e) => e.type === "code-executed")).toHaveLength(2);
    expect(trace.answer).toBe("6.17");
    expect(trace.verdict).toBe("correct");
    expect(trace.status).toBe("finished");
    expect(r.stderr).toContain("injected");
  });

  it("--provider ollama: the same session through Ollama's native /api/generate, stops found in the stream", async () => {
    const before = server.requests.length;
    const r = await hintlab(["infer", "--provider", "ollama", "--base-url", server.url, "--model", "scripted-r1", "--template", "deepseek-r1", "--problem", fixture.problem, "--gold", fixture.gold_answer, "--policy", "paper", "--rounds", "2", "--seed", "3"]);
    expect(r.code, r.stderr).toBe(0);
    const trace: Trace = TraceSchema.parse(JSON.parse(r.stdout));
    expect(trace.config).toMatchObject({ provider: "ollama", baseUrl: server.url });
    expect(trace.segments.map((s) => s.kind)).toEqual(["prompt", "model", "hint", "model", "tool_output", "hint", "model", "tool_output", "model"]);
    expect(fixture.completion.startsWith(trace.segments[1]!.text)).toBe(true);
    expect(trace.verdict).toBe("correct");
    const sent = server.requests.slice(before);
    expect(sent.length).toBeGreaterThanOrEqual(5);
    expect(sent.every((q) => q.endpoint === "ollama-generate" && (q.body?.raw === true) && q.stop?.length === 0)).toBe(true);
  });

  it("greedy never injects: the trace is the recorded completion", async () => {
    const r = await hintlab(["infer", "--base-url", server.baseUrl, "--model", "scripted-r1", "--template", "deepseek-r1", "--problem", fixture.problem, "--gold", fixture.gold_answer, "--policy", "greedy"]);
    expect(r.code, r.stderr).toBe(0);
    const trace = TraceSchema.parse(JSON.parse(r.stdout));
    expect(trace.segments.map((s) => s.kind)).toEqual(["prompt", "model"]);
    expect(trace.segments[1]!.text).toBe(fixture.completion);
    expect(trace.verdict).toBe("correct");
  });

  it("budget policy: thinking is capped at exactly max tokens, the forced </think> is a hint segment, and the model answers", async () => {
    const r = await hintlab(["infer", "--base-url", server.baseUrl, "--model", "scripted-r1", "--template", "deepseek-r1", "--problem", fixture.problem, "--gold", fixture.gold_answer, "--policy", "budget:min=0,max=40", "--seed", "3"]);
    expect(r.code, r.stderr).toBe(0);
    const trace = TraceSchema.parse(JSON.parse(r.stdout));
    expect(trace.config.policy).toEqual({ type: "budget", minThinking: 0, maxThinking: 40, word: "Wait" });
    expect(trace.segments.map((s) => s.kind).slice(0, 4)).toEqual(["prompt", "model", "hint", "model"]);
    expect(trace.segments[2]).toMatchObject({ text: "</think>", hintId: "budget-end-of-thinking", reason: "thinking-budget" });
    expect(fixture.completion.startsWith(trace.segments[1]!.text)).toBe(true);
    const first = trace.events.find((e) => e.type === "stream-ended");
    expect(first).toMatchObject({ finishReason: "length", usage: { completionTokens: 40 } });
    expect(trace.status).toBe("finished");
    expect(trace.answer).toBe("6.17");
  });

  it("bad input gets a message that says what to fix", async () => {
    const budget = await hintlab(["infer", "--base-url", server.baseUrl, "--model", "scripted-r1", "--problem", "x", "--policy", "budget:min=9,max=3"]);
    expect(budget.code).toBe(2);
    expect(budget.stderr).toContain('--policy: policy "budget:min=9,max=3": min (9) is above max (3)');
    const r = await hintlab(["infer", "--base-url", server.baseUrl, "--model", "scripted-r1", "--problem", "x", "--rounds=-1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--rounds must be an integer from 0 to 64");
    const missing = await hintlab(["infer", "--problem", "x"], { HINTLAB_PROVIDER: "openai-completions" });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/HINTLAB_BASE_URL/);
  });

  it("with no server configured, runs the local model: offline, it says so and shows the three ways forward", async () => {
    const modelsDir = mkdtempSync(path.join(tmpdir(), "hintlab-models-"));
    const closed = await closedPort();
    const r = await hintlab(["infer", "--problem", "x"], { HINTLAB_MODELS_DIR: modelsDir, HINTLAB_HF_ENDPOINT: `http://127.0.0.1:${closed}` });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("this machine seems to be offline");
    expect(r.stderr).toContain(`1. put a GGUF file at ${path.join(modelsDir, "bartowski/DeepSeek-R1-Distill-Qwen-1.5B-GGUF/DeepSeek-R1-Distill-Qwen-1.5B-Q4_K_M.gguf")}`);
    expect(r.stderr).toMatch(/2\. set HINTLAB_LOCAL_MODEL=.*\n.*3\. connect a model server/);
  });

  it("downloads the local model on first use with progress, then runs the session on it", async () => {
    const modelsDir = mkdtempSync(path.join(tmpdir(), "hintlab-models-"));
    const hf = await startHfMockServer([{ repo: "hintlab/tiny", path: "tiny.gguf", bytes: tinyGguf() }], { throttleBytesPerSecond: 2_000_000 });
    try {
      const env = { HINTLAB_MODELS_DIR: modelsDir, HINTLAB_HF_ENDPOINT: hf.url, HINTLAB_LOCAL_MODEL: "hf:hintlab/tiny/tiny.gguf", HINTLAB_TEMPLATE: "qwen3", HINTLAB_LOCAL_THREADS: "1" };
      const r = await hintlab(["infer", "--problem", "What is 2+2?", "--max-tokens", "60", "--policy", "greedy"], env);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/tiny\.gguf: [\d.]+ MB \/ 0\.5 MB \(\d+%\) · [\d.]+ MB\/s/);
      expect(r.stderr).toContain("tiny.gguf is ready.");
      const trace: Trace = TraceSchema.parse(JSON.parse(r.stdout));
      expect(trace.config).toMatchObject({ provider: "local", model: "hf:hintlab/tiny/tiny.gguf" });
      expect(trace.segments.map((s) => s.kind)).toEqual(["prompt", "model"]);
      expect(trace.events.find((e) => e.type === "stream-ended")).toMatchObject({ finishReason: "length", usage: { completionTokens: 60 } });
      // Second time: already in the cache, no download.
      const again = await hintlab(["model", "status", "hf:hintlab/tiny/tiny.gguf"], env);
      expect(JSON.parse(again.stdout)).toMatchObject({ state: "ready", bytes: tinyGguf().length });
    } finally {
      await hf.close();
    }
  });
});
