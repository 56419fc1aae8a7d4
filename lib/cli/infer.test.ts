import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TraceSchema, type Trace } from "@/lib/protocol";
import { startScriptedServer, type ScriptedServer } from "@/e2e/fixtures/scripted-server";

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

  it("greedy never injects: the trace is the recorded completion", async () => {
    const r = await hintlab(["infer", "--base-url", server.baseUrl, "--model", "scripted-r1", "--template", "deepseek-r1", "--problem", fixture.problem, "--gold", fixture.gold_answer, "--policy", "greedy"]);
    expect(r.code, r.stderr).toBe(0);
    const trace = TraceSchema.parse(JSON.parse(r.stdout));
    expect(trace.segments.map((s) => s.kind)).toEqual(["prompt", "model"]);
    expect(trace.segments[1]!.text).toBe(fixture.completion);
    expect(trace.verdict).toBe("correct");
  });

  it("bad input gets a message that says what to fix", async () => {
    const r = await hintlab(["infer", "--base-url", server.baseUrl, "--model", "scripted-r1", "--problem", "x", "--rounds=-1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--rounds must be an integer from 0 to 64");
    const missing = await hintlab(["infer", "--problem", "x"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/HINTLAB_BASE_URL/);
  });
});
