import { expect, test } from "@playwright/test";
import { PlaygroundPage } from "./pages/playground";
import { TraceDetailPage } from "./pages/trace-detail";

// Issue "Traces that last": every run is saved as it happens, reopens after a reload, and can be
// annotated, edited, reviewed and forked. Uses the bundled MATH problem whose real R1 trace the
// scripted server streams.
const PROBLEM = "math-problem_1591";

async function traceIdOf(p: PlaygroundPage): Promise<string> {
  const href = await p.page.getByTestId("save-status").locator("a").getAttribute("href");
  expect(href).toMatch(/^\/traces\//);
  return decodeURIComponent(href!.replace("/traces/", ""));
}

test("a run is saved as it happens; after a reload mid-run it is still there, marked interrupted, and resumes", async ({ page, request }) => {
  const p = new PlaygroundPage(page);
  await p.open();
  await p.pickBundled(PROBLEM);
  await p.setPauseMode("end");
  await p.run.click();
  await expect(p.page.getByTestId("save-status")).toContainText("saved");
  const id = await traceIdOf(p);
  await expect(p.traceView).toContainText("compound", { timeout: 20_000 });
  // Let at least one text flush land (at most every second), then leave mid-run.
  await page.waitForTimeout(1500);
  const saved = await request.get(`/api/traces/${id}`).then((r) => r.json());
  const savedChars = saved.segments.map((s: { text: string }) => s.text).join("").length;
  expect(savedChars).toBeGreaterThan(500);
  await page.reload();

  // The tab handed the trace back as it went away (keepalive write with release): interrupted at
  // once, not after the 15 s a silent writer takes.
  await expect
    .poll(async () => (await request.get(`/api/traces/${id}`).then((r) => r.json())).status, { timeout: 5_000, intervals: [250] })
    .toBe("interrupted");
  await page.goto(`/traces/${id}`);
  await expect(page.getByTestId("trace-status")).toHaveText("interrupted");
  await page.getByTestId("resume-button").click();
  await expect(page).toHaveURL(new RegExp(`\\?trace=${id}`));
  const pg = new PlaygroundPage(page);
  await expect(pg.pauseBanner).toContainText("Reopened a saved trace");
  const before = (await pg.traceView.innerText()).length;
  await pg.setPauseMode("never");
  await pg.continue.click();
  await expect(pg.finalAnswer).toHaveText("6.17", { timeout: 60_000 });
  expect((await pg.traceView.innerText()).length).toBeGreaterThan(before);
  await expect
    .poll(async () => (await request.get(`/api/traces/${id}`).then((r) => r.json())).status, { timeout: 10_000 })
    .toBe("finished");
});

test("annotate, edit (diff editor, undo/redo), review; a second annotator with a stale version gets a conflict", async ({ page, request }) => {
  const p = new PlaygroundPage(page);
  await p.open();
  await p.pickBundled(PROBLEM);
  await p.setPauseMode("never");
  await p.run.click();
  await expect(p.finalAnswer).toHaveText("6.17", { timeout: 60_000 });
  const id = await traceIdOf(p);
  await expect.poll(async () => (await request.get(`/api/traces/${id}`).then((r) => r.json())).status).toBe("finished");

  await page.goto(`/traces/${id}`);
  // The page object's selection also waits until the page shows it.
  const select = (start: number, end: number) => new TraceDetailPage(page).select(start, end);
  await select(0, 20);
  await expect(page.getByTestId("selection")).toContainText("0–20");
  await page.getByTestId("annotation-label").fill("repetitive");
  await page.getByTestId("annotation-comment").fill("restates the problem");
  await page.getByTestId("annotate-button").click();
  await expect(page.getByTestId("annotation")).toContainText("repetitive");

  await select(25, 45);
  await page.getByTestId("edit-span-button").click();
  await page.getByTestId("edit-diff").locator(".modified .view-lines").click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.insertText("a clearer sentence");
  await page.getByTestId("save-edit").click();
  await expect(page.getByTestId("edit")).toContainText("a clearer sentence");
  await page.getByTestId("undo-edit").click();
  await expect(page.getByTestId("edit")).toHaveCount(0);
  await page.getByTestId("redo-edit").click();
  await expect(page.getByTestId("edit")).toHaveCount(1);
  await page.keyboard.press("a");
  await expect(page.getByTestId("review-status")).toHaveText("accepted");

  const stored = await request.get(`/api/traces/${id}`).then((r) => r.json());
  expect(stored.review).toMatchObject({ status: "accepted", author: "local" });
  expect(stored.annotations[0]).toMatchObject({ label: "repetitive", author: "local", segment: 1, start: 0, end: 20 });
  expect(stored.edits[0]).toMatchObject({ replacement: "a clearer sentence", author: "local", start: 25, end: 45 });
  expect(stored.edits[0].original).toBe(stored.segments[1].text.slice(25, 45));

  // Another annotator still holding an old version is refused, and nothing is overwritten.
  const stale = await request.put(`/api/traces/${id}/review`, { data: { baseVersion: stored.version - 1, author: "bob", status: "rejected" } });
  expect(stale.status()).toBe(409);
  expect((await stale.json()).error.message).toMatch(/changed since you opened it/);
  expect((await request.get(`/api/traces/${id}`).then((r) => r.json())).review.status).toBe("accepted");
});

test("fork at an offset inside model text and continue with another hint; the tree and the comparison show both", async ({ page, request }) => {
  const p = new PlaygroundPage(page);
  await p.open();
  await p.pickBundled(PROBLEM);
  await p.setPauseMode("never");
  await p.run.click();
  await expect(p.finalAnswer).toHaveText("6.17", { timeout: 60_000 });
  const id = await traceIdOf(p);
  await expect.poll(async () => (await request.get(`/api/traces/${id}`).then((r) => r.json())).status).toBe("finished");

  await page.goto(`/traces/${id}`);
  // Offsets by the exact characters (e2e/reading.spec.ts selects in the rendered view).
  await page.getByTestId("view-exact").click();
  await page.locator('[data-seg-index="1"] [data-block-start]').nth(2).evaluate((el) => {
    const tn = el.firstChild!;
    const r = document.createRange();
    r.setStart(tn, 5);
    r.setEnd(tn, 15);
    getSelection()!.removeAllRanges();
    getSelection()!.addRange(r);
  });
  await page.locator(".trace-wrap").dispatchEvent("mouseup");
  await page.getByTestId("fork-selection").click();
  await expect(page).toHaveURL(/\?trace=/);
  const forkId = new URL(page.url()).searchParams.get("trace")!;
  const fork = await request.get(`/api/traces/${forkId}`).then((r) => r.json());
  expect(fork.parentId).toBe(id);
  expect(fork.forkAt.segment).toBe(1);
  expect(fork.forkAt.offset).toBeGreaterThan(0);

  const pg = new PlaygroundPage(page);
  await expect(pg.pauseBanner).toBeVisible();
  await pg.hintPicker.locator('[data-hint-id="math-alternative-method"]').click();
  await pg.setPauseMode("never");
  await pg.inject.click();
  await expect(pg.traceView.getByTestId("code-output").first()).toBeVisible({ timeout: 30_000 });
  await expect(pg.finalAnswer).toBeVisible({ timeout: 60_000 });
  await expect.poll(async () => (await request.get(`/api/traces/${forkId}`).then((r) => r.json())).status).toBe("finished");

  await page.goto(`/traces/${forkId}`);
  await expect(page.getByTestId("fork-node")).toHaveCount(2);
  await page.goto(`/traces/compare?a=${id}&b=${forkId}`);
  await expect(page.getByTestId("compare-view")).toBeVisible();
  await expect(page.getByTestId("compare-summary").filter({ hasText: "math-alternative-method" })).toHaveCount(1);
});

test("export downloads the expected JSONL", async ({ page, request }) => {
  const p = new PlaygroundPage(page);
  await p.open();
  await p.pickBundled(PROBLEM);
  await p.setPolicy("paper", 1);
  await p.run.click();
  await expect(p.finalAnswer).toHaveText("6.17", { timeout: 60_000 });
  const id = await traceIdOf(p);
  await expect.poll(async () => (await request.get(`/api/traces/${id}`).then((r) => r.json())).status).toBe("finished");
  const tag = `e2e-${Date.now()}`;
  const t = await request.get(`/api/traces/${id}`).then((r) => r.json());
  expect((await request.put(`/api/traces/${id}/tags`, { data: { baseVersion: t.version, author: "e2e", tags: [tag] } })).ok()).toBe(true);

  await page.goto(`/traces?tag=${tag}`);
  const download = page.waitForEvent("download");
  await page.getByTestId("export-button").click();
  const file = await download;
  const text = await (await file.createReadStream()).toArray().then((chunks) => Buffer.concat(chunks).toString("utf8"));
  const lines = text.trim().split("\n").map((l) => JSON.parse(l));
  expect(lines).toHaveLength(1);
  const stored = await request.get(`/api/traces/${id}`).then((r) => r.json());
  const trained = (lines[0].segments as { kind: string; text: string; train: boolean }[]).map((s) => [s.kind, s.train]);
  expect(trained).toContainEqual(["hint", false]);
  expect(trained).toContainEqual(["tool_output", false]);
  expect(trained).toContainEqual(["model", true]);
  expect((lines[0].segments as { text: string }[]).map((s) => s.text).join("")).toBe(stored.segments.map((s: { text: string }) => s.text).join(""));
});
