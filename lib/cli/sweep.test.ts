import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb, TraceStore } from "@/lib/db";
import { buildSweepView, SandboxPool, SweepStore } from "@/lib/experiments";
import type { SweepView } from "@/lib/protocol";
import { createOpenAICompletionsProvider } from "@/lib/providers";
import { runHeadless } from "@/lib/runner/headless";
import { loadTraces } from "@/e2e/fixtures/scripted-model";
import { startScriptedServer, type ScriptedServer } from "@/e2e/fixtures/scripted-server";
import { parseSweepArgs } from "./sweep";
import { formatSweepGrid } from "./sweep-grid";

const ROOT = path.resolve(import.meta.dirname, "../..");
const DIR = mkdtempSync(path.join(tmpdir(), "hintlab-sweep-cli-"));
const DB = path.join(DIR, "s.db");

function hintlab(args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", path.join(ROOT, "lib/cli/main.ts"), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_ENV: "production", TSX_TSCONFIG_PATH: path.join(ROOT, "tsconfig.json"), HINTLAB_DATA_DIR: DIR },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe("hintlab sweep: flags", () => {
  const base = ["--trace", "t1"];
  it("a hint sweep at a point, and a position sweep", () => {
    expect(parseSweepArgs([...base, "--at", "1:250", "--hints", "math-general,none", "--samples", "4", "--temperature", "0.7", "--seed", "5", "--concurrency", "2", "--name", "n"])).toMatchObject({
      mode: "new",
      create: {
        spec: { type: "hints", traceId: "t1", at: { segment: 1, offset: 250 }, arms: [{ kind: "hint", hintId: "math-general" }, { kind: "none" }], samples: 4, temperature: 0.7, seed: 5 },
        name: "n",
        concurrency: 2,
      },
    });
    expect(parseSweepArgs([...base, "--pause", "2", "--hints", "none"])).toMatchObject({ create: { spec: { at: { pause: 2 }, samples: 8, seed: 0 } } });
    expect(parseSweepArgs([...base, "--positions", "sentences:3", "--hint", "none"])).toMatchObject({ create: { spec: { type: "positions", positions: { sentences: 3 }, arm: { kind: "none" } } } });
    expect(parseSweepArgs([...base, "--positions", "triggers", "--hint", "math-general"])).toMatchObject({ create: { spec: { positions: "triggers", arm: { hintId: "math-general" } } } });
    expect(parseSweepArgs(["--resume", "abc"])).toMatchObject({ mode: "resume", resume: "abc" });
    // No model flags: the trace's own model is used (no `model` key).
    expect("model" in (parseSweepArgs([...base, "--pause", "0", "--hints", "none"]) as { create: object }).create).toBe(false);
  });

  it("bad flags: a message that says what to fix", () => {
    const bad: [string[], RegExp][] = [
      [["--at", "1:2", "--hints", "none"], /--trace ID is required/],
      [[...base, "--hints", "none"], /exactly one of --at SEGMENT:OFFSET or --pause N/],
      [[...base, "--at", "1:2", "--pause", "0", "--hints", "none"], /exactly one of/],
      [[...base, "--at", "1-2", "--hints", "none"], /--at must be SEGMENT:OFFSET/],
      [[...base, "--at", "1:2"], /--hints ID,ID,none is required/],
      [[...base, "--at", "1:2", "--hints", "Math General"], /not a Hint-Library id/],
      [[...base, "--at", "1:2", "--hints", ","], /lists no arm/],
      [[...base, "--at", "1:2", "--hints", "none", "--samples", "0"], /--samples must be an integer from 1 to 256/],
      [[...base, "--at", "1:2", "--hints", "none", "--samples", "x"], /--samples/],
      [[...base, "--at", "1:2", "--hints", "none", "--temperature", "3"], /--temperature must be from 0 to 2/],
      [[...base, "--at", "1:2", "--hints", "none", "--concurrency", "65"], /--concurrency must be an integer from 1 to 64/],
      [[...base, "--positions", "triggers"], /--positions needs --hint/],
      [[...base, "--positions", "words", "--hint", "none"], /--positions must be triggers or sentences:K/],
      [[...base, "--positions", "triggers", "--hints", "none"], /use --hint ID\|none, not --hints/],
      [[...base, "--positions", "triggers", "--hint", "none", "--at", "1:2"], /drop --at/],
      [[...base, "--at", "1:2", "--hint", "none"], /--hint is for --positions/],
      [[...base, "--at", "1:2", "--hints", "none", "--template", "llama"], /--template must be one of/],
      [[...base, "--at", "1:2", "--hints", "none", "--base-url", "http://x/v1"], /--base-url needs --model/],
      [["--resume", "abc", "--trace", "t"], /drop --trace/],
      [[...base, "--bogus"], /bogus/],
    ];
    for (const [argv, message] of bad) expect(() => parseSweepArgs(argv), argv.join(" ")).toThrow(message);
  });

  it("the grid says ungraded when nothing could be graded, and gives the paired difference against none", () => {
    const view = {
      id: "s1",
      status: "finished",
      progress: { total: 4, done: 4, failed: 0, running: 0, pending: 0 },
      arms: [{ key: "hint:a", label: "A" }, { key: "none", label: "no hint" }],
      positions: [{ segment: 1, offset: 0, textOffset: 10 }],
      cost: { promptTokens: 100, cachedTokens: 60, completionTokens: 40 },
      summary: {
        ciMethod: "",
        diffMethod: "",
        arms: [
          { arm: "hint:a", n: 2, graded: 2, correct: 2, correctRate: 1, ci95: [0.342, 1], ledToCodeRate: 1, toolSuccessRate: 0.5, meanTokens: 12, meanTimeMs: 1 },
          { arm: "none", n: 2, graded: 0, correct: 0, correctRate: null, ci95: [0, 1], ledToCodeRate: 0, toolSuccessRate: null, meanTokens: 8, meanTimeMs: 1 },
        ],
        vsNone: [{ arm: "hint:a", pairs: 0, bothCorrect: 0, armOnly: 0, noneOnly: 0, bothWrong: 0, pValue: 1, diff: null, diffCi95: null }],
      },
      positionSummary: null,
    } as unknown as SweepView;
    const text = formatSweepGrid(view);
    expect(text).toMatch(/^A\s+2\/2\s+100%\s+\[34–100%\]\s+100%\s+50%\s+12\s+no pairs$/m);
    expect(text).toMatch(/^no hint\s+ungraded\s+–\s+–\s+0%\s+–\s+8$/m);
    expect(text).toContain("tokens: 100 prompt (60 cached), 40 completion");
  });
});

describe("hintlab sweep against the scripted server", { timeout: 300_000 }, () => {
  let server: ScriptedServer;
  let traceId: string;
  beforeAll(async () => {
    server = await startScriptedServer({ chunksPerSecond: 0 });
    const record = loadTraces().find((t) => t.id === "deepseek-r1-distill-llama-8b/problem_6998/correct")!;
    const pool = new SandboxPool(1);
    const trace = await runHeadless({
      traceId: "cli-source",
      problem: { id: "problem_6998", kind: "math", statement: record.problem, gold: record.gold_answer },
      config: {
        provider: "openai-completions",
        baseUrl: server.baseUrl,
        model: "scripted-r1",
        template: "deepseek-r1",
        sampling: { maxTokens: 32_000 },
        triggers: ["Wait"],
        policy: { type: "manual", pauseAtTriggers: true, pauseAtEndOfThinking: false },
        maxToolCalls: 6,
        toolTimeoutMs: 10_000,
        maxOutputChars: 4000,
        hintLibraryVersion: "test",
        policySeed: 0,
      },
      policyHints: [],
      provider: createOpenAICompletionsProvider({ provider: "openai-completions", baseUrl: server.baseUrl, model: "scripted-r1", template: "deepseek-r1", timeoutMs: 30_000 }),
      sandbox: pool.session(),
    });
    await pool.dispose();
    const db = openDb(DB);
    traceId = new TraceStore(db).create(trace).id;
    db.close();
  }, 120_000);
  afterAll(() => server.close());

  it("runs 2 hints + none × 3 samples from a pause, prints the grid and the sweep id; --resume of a finished sweep sends nothing", async () => {
    const r = await hintlab(["sweep", "--trace", traceId, "--pause", "0", "--hints", "math-complex-calculations,math-general,none", "--samples", "3", "--temperature", "0.7", "--seed", "1", "--db", DB]);
    expect(r.code, r.stderr).toBe(0);
    const id = /\[hintlab\] sweep (\w+)/.exec(r.stderr)![1]!;
    expect(r.stdout).toContain(`sweep ${id} (finished): 9 done, 0 failed, 0 left of 9`);
    const db = openDb(DB);
    const view = buildSweepView(new SweepStore(db), id);
    db.close();
    // The grid printed is the stored sweep's.
    expect(r.stdout.trim()).toBe(formatSweepGrid(view));
    expect(r.stdout).toMatch(/^no hint\s+\d\/3/m);
    expect(view.items.every((i) => i.outcome && i.traceId)).toBe(true);

    const before = server.requests.length;
    const again = await hintlab(["sweep", "--resume", id, "--db", DB]);
    expect(again.code, again.stderr).toBe(0);
    expect(server.requests.length).toBe(before);
    expect(again.stdout).toContain(`sweep ${id} (finished): 9 done`);
  });

  it("an unknown hint or trace fails before anything runs", async () => {
    const r = await hintlab(["sweep", "--trace", traceId, "--pause", "0", "--hints", "no-such-hint", "--samples", "1", "--db", DB]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no hint "no-such-hint"/);
    const t = await hintlab(["sweep", "--trace", "missing", "--pause", "0", "--hints", "none", "--db", DB]);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/missing/);
  });
});
