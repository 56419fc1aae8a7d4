// The thin routes of /api/sweeps on a temp database (each backend) and the scripted model server
// (the server's own connection); the runner itself is tested in sweep-runner.test.ts.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { POST as createSweepRoute } from "@/app/api/sweeps/route";
import { GET as getSweep } from "@/app/api/sweeps/[id]/route";
import { POST as cancel } from "@/app/api/sweeps/[id]/cancel/route";
import { POST as resume } from "@/app/api/sweeps/[id]/resume/route";
import { GET as listExperiments } from "@/app/api/experiments/route";
import { userStore } from "@/lib/auth";
import { getDb, TraceStore } from "@/lib/db";
import { ExperimentListEntrySchema, SweepViewSchema, type SweepView, type Trace } from "@/lib/protocol";
import { createOpenAICompletionsProvider } from "@/lib/providers";
import { runHeadless } from "@/lib/runner/headless";
import { loadTraces } from "@/e2e/fixtures/scripted-model";
import { startScriptedServer, type ScriptedServer } from "@/e2e/fixtures/scripted-server";
import { SandboxPool } from "./sandbox-pool";
import { backends, closeSharedDb, stubTestDbEnv } from "@/lib/db/test-backends";

const JSON_TYPE = { "content-type": "application/json" };
const params = (id: string) => ({ params: Promise.resolve({ id }) });
const record = loadTraces().find((t) => t.id === "deepseek-r1-distill-llama-8b/problem_6998/correct")!;
const SETTINGS = { connection: "server", model: "scripted-r1", template: "deepseek-r1" };

let server: ScriptedServer;
let source: Trace;
let replay: Awaited<ReturnType<typeof runHeadless>>;
beforeAll(async () => {
  server = await startScriptedServer({ chunksPerSecond: 0 });
  vi.stubEnv("HINTLAB_BASE_URL", server.baseUrl);
  const pool = new SandboxPool(1);
  replay = await runHeadless({
    traceId: "api-source",
    problem: { id: "problem_6998", kind: "math", statement: record.problem, gold: record.gold_answer },
    config: {
      provider: "openai-completions",
      model: "scripted-r1",
      template: "deepseek-r1",
      sampling: { maxTokens: 32_000 },
      triggers: ["Wait"],
      policy: { type: "greedy" },
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
}, 120_000);
afterAll(async () => {
  vi.unstubAllEnvs();
  await server.close();
});

const post = (body: unknown, headers: Record<string, string> = {}) =>
  createSweepRoute(new Request("http://localhost/api/sweeps", { method: "POST", headers: { ...JSON_TYPE, ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) }));
const spec = (over: Record<string, unknown> = {}) => ({
  type: "hints",
  traceId: source.id,
  at: { segment: 1, offset: 300 },
  arms: [{ kind: "text", text: "Let me check this once more." }, { kind: "none" }],
  samples: 2,
  temperature: 0.7,
  ...over,
});
const view = async (id: string, headers: Record<string, string> = {}) => {
  const res = await getSweep(new Request("http://localhost", { headers }), params(id));
  return { status: res.status, body: (await res.json()) as SweepView };
};
async function until(id: string, done: (v: SweepView) => boolean): Promise<SweepView> {
  for (;;) {
    const { body } = await view(id);
    if (done(body)) return body;
    await new Promise((r) => setTimeout(r, 200));
  }
}
const message = async (res: Response) => ((await res.json()) as { error: { message: string } }).error.message;

describe.each(backends)("/api/sweeps (%s)", { timeout: 180_000 }, (backend) => {
  beforeAll(() => {
    stubTestDbEnv(vi.stubEnv, backend, mkdtempSync(path.join(tmpdir(), "hintlab-sweep-api-")));
    source = new TraceStore(getDb()).create(replay);
  });
  afterAll(() => closeSharedDb());

  it("refuses bad bodies with a message that says what to fix", async () => {
    expect((await post("{not json")).status).toBe(400);
    const noSpec = await post({ settings: SETTINGS });
    expect(noSpec.status).toBe(400);
    expect(await message(noSpec)).toMatch(/spec/);
    const url = await post({ spec: spec(), settings: { ...SETTINGS, baseUrl: "http://169.254.169.254/v1" } });
    expect(url.status).toBe(400);
    expect(await message(url)).toMatch(/cannot choose a base URL/);
    const hint = await post({ spec: spec({ arms: [{ kind: "hint", hintId: "not-a-hint" }] }), settings: SETTINGS });
    expect(hint.status).toBe(400);
    expect(await message(hint)).toMatch(/no hint "not-a-hint"/);
    const cut = await post({ spec: spec({ at: { segment: 0, offset: 5 } }), settings: SETTINGS });
    expect(cut.status).toBe(400);
    expect(await message(cut)).toMatch(/prompt cannot be cut/);
    expect((await post({ spec: spec({ samples: 1000 }), settings: SETTINGS })).status).toBe(400);
    expect((await post({ spec: spec(), settings: SETTINGS, concurrency: 65 })).status).toBe(400);
    expect((await post({ spec: spec({ traceId: "missing" }), settings: SETTINGS })).status).toBe(404);
    const unknownConnection = await post({ spec: spec(), settings: { connection: "nope" } });
    expect(unknownConnection.status).toBe(400);
    expect(await message(unknownConnection)).toMatch(/no model connection "nope"/);
  });

  it("POST starts a sweep in the background (201 {id}); GET shows it fill in; it is listed with the experiments; resume of a finished one is 409", async () => {
    const res = await post({ spec: spec(), settings: SETTINGS, concurrency: 2, name: "api sweep" });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const first = await view(id);
    expect(first.status).toBe(200);
    expect(SweepViewSchema.parse(first.body)).toMatchObject({ id, name: "api sweep", kind: "sweep", progress: { total: 4 } });
    const final = await until(id, (v) => v.status === "finished");
    expect(final.progress).toMatchObject({ done: 4, failed: 0 });
    expect(final.summary!.arms.map((a) => a.n)).toEqual([2, 2]);
    expect(final.items.every((i) => i.traceId && i.outcome)).toBe(true);

    const list = ExperimentListEntrySchema.array().parse(await (await listExperiments(new Request("http://localhost/api/experiments"))).json());
    expect(list.find((x) => x.id === id)).toMatchObject({ kind: "sweep", traceId: source.id, status: "finished" });

    expect((await resume(new Request("http://localhost", { method: "POST" }), params(id))).status).toBe(409);
    const cancelled = await cancel(new Request("http://localhost", { method: "POST" }), params(id));
    expect(cancelled.status).toBe(200);
    expect(((await cancelled.json()) as SweepView).status).toBe("finished");
    expect((await view("no-such-sweep")).status).toBe(404);
  });

  it("cancel stops a running sweep (in-flight samples back to pending); resume finishes it", async () => {
    const res = await post({ spec: spec({ samples: 6, seed: 50 }), settings: SETTINGS, concurrency: 1 });
    const { id } = (await res.json()) as { id: string };
    await until(id, (v) => v.progress.done >= 1);
    const cancelled = (await (await cancel(new Request("http://localhost", { method: "POST" }), params(id))).json()) as SweepView;
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.progress.running).toBe(0);
    expect(cancelled.progress.done).toBeLessThan(12);
    const resumed = await resume(new Request("http://localhost", { method: "POST" }), params(id));
    expect(resumed.status).toBe(200);
    const final = await until(id, (v) => v.status === "finished");
    expect(final.progress).toMatchObject({ total: 12, done: 12 });
  });

  it("an annotator can read a sweep but cannot start, cancel or resume one", async () => {
    const users = userStore();
    const annotator = await users.create("anna", "annotator", "annotator-password-1");
    const { token } = users.createSession(annotator.id, 3600_000);
    const cookie = { cookie: `hintlab_session=${token}` };
    const refused = await post({ spec: spec(), settings: SETTINGS }, cookie);
    expect(refused.status).toBe(403);
    const anyId = (ExperimentListEntrySchema.array().parse(await (await listExperiments(new Request("http://localhost/api/experiments", { headers: cookie }))).json()))[0]!.id;
    expect((await view(anyId, cookie)).status).toBe(200);
    expect((await cancel(new Request("http://localhost", { method: "POST", headers: cookie }), params(anyId))).status).toBe(403);
    expect((await resume(new Request("http://localhost", { method: "POST", headers: cookie }), params(anyId))).status).toBe(403);
  });
});
