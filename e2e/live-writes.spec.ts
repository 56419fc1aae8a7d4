import { rmSync } from "node:fs";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { PlaygroundPage } from "./pages/playground";
import { TraceDetailPage } from "./pages/trace-detail";
import { startNextServer, type NextServer } from "./fixtures/next-server";
import { startScriptedServer, type ScriptedServer } from "./fixtures/scripted-server";

// Issue "Nothing lost, nothing stuck": one live writer per trace (a lease), writes that can only
// extend a trace, annotation while a trace generates, and runs of a crashed server that read
// "interrupted" as soon as it is back. Uses the bundled MATH problem whose real R1 trace the
// scripted server streams.
const PROBLEM = "math-problem_1591";

type StoredTrace = { id: string; status: string; parentId?: string; version: number; segments: { kind: string; text: string }[]; annotations: unknown[] };

async function traceIdOf(page: Page): Promise<string> {
  const href = await page.getByTestId("save-status").locator("a").getAttribute("href");
  expect(href).toMatch(/^\/traces\//);
  return decodeURIComponent(href!.replace("/traces/", ""));
}

async function stored(request: APIRequestContext, id: string, base = ""): Promise<StoredTrace> {
  const res = await request.get(`${base}/api/traces/${id}`);
  expect(res.ok(), await res.text()).toBe(true);
  return (await res.json()) as StoredTrace;
}

const textOf = (t: StoredTrace) => t.segments.map((s) => s.text).join("");

/** A run in the playground, paused at the end of thinking (a live trace whose tab holds it). */
async function pausedRun(page: Page): Promise<{ p: PlaygroundPage; id: string }> {
  const p = new PlaygroundPage(page);
  await p.open();
  await p.pickBundled(PROBLEM);
  await p.setPauseMode("end");
  await p.run.click();
  await expect(p.pauseBanner).toContainText("end of thinking", { timeout: 60_000 });
  await expect(page.getByTestId("save-status")).toContainText("saved");
  return { p, id: await traceIdOf(page) };
}

test("a second tab resuming a trace that is being written chooses: open a fork, or take over — the first tab stops and nothing is lost", async ({ page, browser, request }) => {
  test.setTimeout(180_000);
  const a = await pausedRun(page);
  const other = await browser.newContext();
  try {
    const b = await other.newPage();
    // Fork: the first tab is left alone and finishes its own trace.
    await b.goto(`/?trace=${a.id}`);
    await expect(b.getByTestId("lease-conflict")).toContainText("being written by another tab");
    await b.getByTestId("lease-fork").click();
    await expect(b.getByTestId("lease-conflict")).toHaveCount(0);
    await expect(b.getByTestId("pause-banner")).toContainText("Reopened a saved trace");
    const forkId = await traceIdOf(b);
    expect(forkId).not.toBe(a.id);
    expect((await stored(request, forkId)).parentId).toBe(a.id);
    await a.p.setPauseMode("never");
    await a.p.inject.click();
    await expect(a.p.finalAnswer).toHaveText("6.17", { timeout: 60_000 });
    await expect.poll(async () => (await stored(request, a.id)).status).toBe("finished");

    // Take over: the first tab's next write is refused, it stops and says so.
    const c = await pausedRun(page);
    const beforeTakeOver = textOf(await stored(request, c.id));
    await b.goto(`/?trace=${c.id}`);
    await expect(b.getByTestId("lease-conflict")).toBeVisible();
    await b.getByTestId("lease-take-over").click();
    const pb = new PlaygroundPage(b);
    await expect(pb.pauseBanner).toContainText("Reopened a saved trace");
    // The first tab learns at its next heartbeat (every 5 s) at the latest.
    await expect(page.getByTestId("lease-lost")).toContainText("took over this trace", { timeout: 15_000 });
    await expect(page.getByTestId("save-status")).toContainText("another tab took this trace over");
    // The survivor finishes; what is stored is exactly the survivor's trace.
    await pb.setPauseMode("never");
    await pb.continue.click();
    await expect(pb.finalAnswer).toHaveText("6.17", { timeout: 60_000 });
    await expect.poll(async () => (await stored(request, c.id)).status, { timeout: 15_000 }).toBe("finished");
    const final = await stored(request, c.id);
    expect(textOf(final).startsWith(beforeTakeOver)).toBe(true);
    expect(textOf(final)).toContain("\\boxed{6.17}");
    // The first tab's unsaved run is not lost: it can be kept as a fork of its own.
    await page.getByTestId("lease-save-fork").click();
    await expect(page.getByTestId("lease-lost")).toHaveCount(0);
    const keptId = await traceIdOf(page);
    expect(keptId).not.toBe(c.id);
    const kept = await stored(request, keptId);
    expect(kept.parentId).toBe(c.id);
    expect(textOf(kept)).toBe(beforeTakeOver);
    // And the survivor's trace did not change meanwhile.
    expect(textOf(await stored(request, c.id))).toBe(textOf(final));
  } finally {
    await other.close();
  }
});

test("a live save captured early and replayed after the trace finished and was annotated changes nothing", async ({ page, request }) => {
  test.setTimeout(120_000);
  const captured: { url: string; body: string }[] = [];
  page.on("request", (r) => {
    if (r.method() === "PATCH" && r.url().endsWith("/live") && captured.length === 0) captured.push({ url: r.url(), body: r.postData() ?? "" });
  });
  const p = new PlaygroundPage(page);
  await p.open();
  await p.pickBundled(PROBLEM);
  await p.setPauseMode("never");
  await p.run.click();
  await expect(p.finalAnswer).toHaveText("6.17", { timeout: 60_000 });
  const id = await traceIdOf(page);
  await expect.poll(async () => (await stored(request, id)).status).toBe("finished");
  const ann = await request.post(`/api/traces/${id}/annotations`, {
    data: { baseVersion: (await stored(request, id)).version, annotation: { segment: 1, start: 0, end: 10, label: "good", comment: "" } },
  });
  expect(ann.ok(), await ann.text()).toBe(true);
  const before = await stored(request, id);
  expect(captured).toHaveLength(1);
  const early = JSON.parse(captured[0]!.body) as { seq: number };
  const replay = async (body: unknown) => {
    const res = await request.patch(captured[0]!.url, { data: body });
    expect(res.status()).toBe(409);
    return ((await res.json()) as { error: { reason: string } }).error.reason;
  };
  // The tab still holds the trace: as it was (a late request), and with a forged higher number.
  expect(await replay(early)).toBe("stale-write");
  expect(await replay({ ...early, seq: early.seq + 1000 })).toBe("would-shorten");
  // The tab has gone (it hands the trace back as it leaves): the lease itself is dead.
  await page.goto("/traces");
  let n = 2000;
  await expect.poll(() => replay({ ...early, seq: early.seq + n++ })).toBe("lease-lost");
  const after = await stored(request, id);
  expect(after.status).toBe("finished");
  expect(textOf(after)).toBe(textOf(before));
  expect(after.version).toBe(before.version);
  expect(after.annotations).toHaveLength(1);
});

test.describe("a server of its own, with a slow model, killed with -9", () => {
  let model: ScriptedServer;
  let app: NextServer | undefined;
  const dataDir = "test-results/e2e-live-kill";
  const env = (modelUrl: string) => ({
    HINTLAB_BASE_URL: modelUrl,
    HINTLAB_MODEL: "scripted-r1",
    HINTLAB_TEMPLATE: "deepseek-r1",
    HINTLAB_DATA_DIR: dataDir,
    HINTLAB_MODELS_DIR: `${dataDir}/models`,
  });

  test.beforeAll(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    // Slow enough that a trace is still generating a minute later.
    model = await startScriptedServer({ chunksPerSecond: 40 });
  });
  test.afterAll(async () => {
    await app?.stop();
    await model.close();
  });

  test("annotate while it generates; after kill -9 and restart the trace and the experiment read interrupted within 2 s, and both resume", async ({ page, browser }) => {
    test.setTimeout(240_000);
    app = await startNextServer(env(model.baseUrl));
    const port = app.port;
    const base = app.url;
    const api = page.request;

    const p = new PlaygroundPage(page);
    await page.goto(base);
    await expect(page.getByTestId("sandbox-status")).toContainText("ready", { timeout: 30_000 });
    await p.pickBundled(PROBLEM);
    await p.setPauseMode("never");
    await p.run.click();
    await expect(p.traceView).toContainText("compound", { timeout: 30_000 });
    await expect(page.getByTestId("save-status")).toContainText("saved");
    const id = await traceIdOf(page);

    // The page shows what is stored when it opens (it does not follow a live run): wait until the
    // live saves hold the text to be marked, or the other tab may open it before segment 1 exists.
    await expect.poll(async () => (await stored(api, id, base)).segments[1]?.text.length ?? 0, { timeout: 30_000 }).toBeGreaterThanOrEqual(40);
    // Another annotator marks text while the trace is generating: accepted, no conflict.
    const other = await browser.newContext();
    const b = await other.newPage();
    await b.goto(`${base}/traces/${id}`);
    await expect(b.getByTestId("trace-status")).toHaveText("generating");
    for (const [start, end, label] of [[0, 12, "good tool use"], [20, 30, "repetitive"]] as const) {
      await new TraceDetailPage(b).select(start, end);
      await b.getByTestId("annotation-label").fill(label);
      await b.getByTestId("annotate-button").click();
      await expect(b.getByTestId("write-error")).toHaveCount(0);
      // Live saves go on meanwhile (at most every second).
      await b.waitForTimeout(1500);
    }
    await other.close();
    const annotated = await stored(api, id, base);
    expect(annotated.status).toBe("generating");
    expect(annotated.annotations).toHaveLength(2);

    // An experiment running on the same server.
    const problems = '{"problem": "What is 6 times 7?", "answer": "42"}\n{"problem": "What is 40 plus 2?", "answer": "42"}\n';
    const imported = await api.post(`${base}/api/datasets/import?name=kill-${Date.now()}`, { headers: { "content-type": "application/x-ndjson" }, data: problems });
    expect(imported.ok(), await imported.text()).toBe(true);
    const datasetId = ((await imported.json()) as { dataset: { id: string } }).dataset.id;
    const created = await api.post(`${base}/api/experiments`, { data: { datasetId, policies: ["greedy"], samples: 2, concurrency: 1 } });
    expect(created.ok(), await created.text()).toBe(true);
    const expId = ((await created.json()) as { id: string }).id;
    const expStatus = async () => ((await (await api.get(`${base}/api/experiments/${expId}`)).json()) as { status: string }).status;
    await expect.poll(expStatus).toBe("running");
    const savedChars = textOf(await stored(api, id, base)).length;

    await app.kill();
    app = await startNextServer(env(model.baseUrl), "127.0.0.1", port);
    const back = Date.now();
    await expect.poll(async () => (await stored(api, id, base)).status, { timeout: 2000, intervals: [100] }).toBe("interrupted");
    await expect.poll(expStatus, { timeout: 2000, intervals: [100] }).toBe("interrupted");
    console.log(`interrupted states read ${Date.now() - back} ms after the restarted server answered`);
    // Nothing already saved was lost, and the open tab says what happened instead of "failed".
    expect(textOf(await stored(api, id, base)).length).toBeGreaterThanOrEqual(savedChars);
    await expect(page.getByTestId("error-banner")).toContainText("hintlab server");

    // Both resume.
    const resumed = await api.post(`${base}/api/experiments/${expId}/resume`);
    expect(resumed.ok(), await resumed.text()).toBe(true);
    expect(await expStatus()).toBe("running");
    await page.getByTestId("retry-button").click();
    await expect(p.phase).toHaveText("generating");
    await expect.poll(async () => (await stored(api, id, base)).status, { timeout: 10_000 }).toBe("generating");
    expect((await stored(api, id, base)).annotations).toHaveLength(2);
    await p.stop.click();
    await api.post(`${base}/api/experiments/${expId}/cancel`);
  });
});
