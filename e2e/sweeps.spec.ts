import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { wilson } from "../lib/sweeps/stats";
import { PlaygroundPage } from "./pages/playground";
import { TraceDetailPage } from "./pages/trace-detail";

// Hint sweeps through the UI (issue 11), against the scripted server: the bundled MATH problem
// 1591 has a real R1-distill trace with many "Wait"s; a hint makes the scripted model write and
// run code, "no hint" goes on as recorded, so the arms differ for real.
const PROBLEM = "math-problem_1591";
const HINTS = ["math-complex-calculations", "math-self-reflection"];
const SAMPLES = 4;

interface StoredTrace {
  id: string;
  verdict?: string;
  tags?: string[];
  events: { type: string; error?: string; timedOut?: boolean }[];
}
interface SweepJson {
  id: string;
  status: string;
  spec: { traceId: string };
  arms: { key: string }[];
  items: { id: string; arm: string; status: string; traceId?: string }[];
}

/** Pick the arms in the open dialog (no hint is on by default), K samples, and start; returns the sweep id. */
async function startFromDialog(page: Page): Promise<string> {
  const dialog = page.getByTestId("sweep-dialog");
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId("sweep-none")).toBeChecked();
  for (const h of HINTS) await dialog.locator(`[data-testid="sweep-hint-option"][data-hint-id="${h}"]`).check();
  // A bad K is refused with the schema's own words before anything is sent.
  await dialog.getByTestId("sweep-samples").fill("0");
  await expect(dialog.getByTestId("sweep-invalid")).toContainText("samples must be 1 to 256");
  await expect(dialog.getByTestId("sweep-submit")).toBeDisabled();
  await dialog.getByTestId("sweep-samples").fill(String(SAMPLES));
  await dialog.getByTestId("sweep-concurrency").fill("4");
  await expect(dialog.getByTestId("sweep-count")).toContainText(`3 arms × ${SAMPLES} samples = ${3 * SAMPLES} runs`);
  await dialog.getByTestId("sweep-submit").click();
  await page.waitForURL(/\/sweeps\/[^/]+$/);
  return decodeURIComponent(new URL(page.url()).pathname.split("/").pop()!);
}

/** The grid fills in live: 12 cells, and when the sweep ends none is pending or running. */
async function waitForGrid(page: Page, request: APIRequestContext, id: string): Promise<SweepJson> {
  const cells = page.getByTestId("sweep-cell");
  await expect(cells).toHaveCount(3 * SAMPLES);
  await expect(page.getByTestId("sweep-status")).toHaveText("finished", { timeout: 240_000 });
  await expect(page.locator('[data-testid="sweep-cell"][data-state="pending"], [data-testid="sweep-cell"][data-state="running"]')).toHaveCount(0);
  const view = (await (await request.get(`/api/sweeps/${encodeURIComponent(id)}`)).json()) as SweepJson;
  expect(view.status).toBe("finished");
  expect(view.items.every((i) => i.status === "done")).toBe(true);
  return view;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/**
 * The grid's figures against those recomputed from the stored sample traces (fetched through
 * the library by the runner's tags): per arm, correct/graded from the verdicts, its Wilson
 * interval, led-to-code and tool success from the code-executed events the sample added.
 */
async function expectGridMatchesTraces(page: Page, request: APIRequestContext, view: SweepJson): Promise<void> {
  expect(view.arms.map((a) => a.key)).toEqual(["none", ...HINTS.map((h) => `hint:${h}`)]);
  for (const arm of view.arms) {
    const list = (await (await request.get(`/api/traces?tag=${encodeURIComponent(`sweep:${view.id}:${arm.key}`)}&limit=100`)).json()) as { items: { id: string }[] };
    expect(list.items).toHaveLength(SAMPLES);
    // The traces behind the tag are exactly the items' traces.
    expect(list.items.map((t) => t.id).sort()).toEqual(view.items.filter((i) => i.arm === arm.key).map((i) => i.traceId).sort());
    const traces = await Promise.all(list.items.map(async (t) => (await (await request.get(`/api/traces/${encodeURIComponent(t.id)}`)).json()) as StoredTrace));
    for (const t of traces) expect(t.tags).toEqual(expect.arrayContaining([`sweep:${view.id}`, `sweep:${view.id}:${arm.key}`, `sweep:${view.id}:${arm.key}@0`]));
    const graded = traces.filter((t) => t.verdict === "correct" || t.verdict === "incorrect");
    const correct = graded.filter((t) => t.verdict === "correct").length;
    // The prefixes here run no code (asserted by the caller), so every code run of a sample is its own.
    const added = traces.map((t) => t.events.filter((e) => e.type === "code-executed"));
    const calls = added.reduce((n, es) => n + es.length, 0);
    const successes = added.reduce((n, es) => n + es.filter((e) => !e.error && !e.timedOut).length, 0);

    const row = page.locator(`[data-testid="sweep-arm-row"][data-arm="${arm.key}"]`);
    await expect(row).toHaveAttribute("data-n", String(SAMPLES));
    await expect(row).toHaveAttribute("data-graded", String(graded.length));
    await expect(row).toHaveAttribute("data-correct", String(correct));
    const cells = row.getByTestId("sweep-cell");
    await expect(cells.and(page.locator('[data-state="correct"]'))).toHaveCount(correct);
    await expect(cells.and(page.locator('[data-state="wrong"]'))).toHaveCount(graded.length - correct);
    if (graded.length) {
      const [lo, hi] = wilson(correct, graded.length);
      await expect(row.getByTestId("sweep-correct")).toContainText(`${pct(correct / graded.length)} [${pct(lo)}, ${pct(hi)}]`);
    }
    await expect(row.getByTestId("sweep-led-to-code")).toHaveText(pct(added.filter((es) => es.length > 0).length / SAMPLES));
    await expect(row.getByTestId("sweep-tool-success")).toHaveText(calls ? pct(successes / calls) : "—");
  }
  // A code hint always makes the scripted model write a program (its seeded variants may break it).
  await expect(page.locator(`[data-testid="sweep-arm-row"][data-arm="hint:${HINTS[0]}"] [data-testid="sweep-led-to-code"]`)).toHaveText(pct(1));
}

test("a sweep from a live pause and one from a stored trace's selection: the grid fills in, its numbers match the stored traces, cells open their traces", async ({ page, request }) => {
  test.setTimeout(600_000);
  const p = new PlaygroundPage(page);
  await p.open();
  await p.pickBundled(PROBLEM);
  await p.setPauseMode("triggers");
  await p.run.click();
  await expect(p.pauseBanner).toContainText(/Paused at trigger .Wait./);
  // Offered once the pause is saved (the sweep runs from the stored trace).
  const here = page.getByTestId("sweep-here");
  await expect(here).toBeEnabled();
  await here.click();
  const live = await startFromDialog(page);
  const first = await waitForGrid(page, request, live);
  const source = (await (await request.get(`/api/traces/${encodeURIComponent(first.spec.traceId)}`)).json()) as StoredTrace;
  expect(source.events.filter((e) => e.type === "code-executed")).toHaveLength(0);
  await expectGridMatchesTraces(page, request, first);
  await expect(page.getByTestId("sweep-cost")).toContainText(/prompt [\d,]+ tokens \([\d,]+ cached\) · completion [\d,]+/);

  // From the stored trace's page: select model text, "Sweep here…" next to "Fork here".
  const t = new TraceDetailPage(page);
  await t.open(first.spec.traceId);
  await t.select(10, 30);
  await page.getByTestId("sweep-selection").click();
  await expect(page.getByTestId("sweep-point")).toContainText("before the selection (segment 1, char 10)");
  const stored = await startFromDialog(page);
  expect(stored).not.toBe(live);
  const second = await waitForGrid(page, request, stored);
  await expectGridMatchesTraces(page, request, second);

  // A cell opens its trace.
  const cell = page.locator('[data-testid="sweep-arm-row"][data-arm="none"] [data-testid="sweep-cell"]').first();
  const item = await cell.getAttribute("data-item");
  const traceId = second.items.find((i) => i.id === item)!.traceId!;
  await cell.click();
  await page.waitForURL(`**/traces/${encodeURIComponent(traceId)}`);
  await expect(page.getByTestId("trace-view")).toBeVisible();
  await page.goBack();

  // An arm opens its traces in the library (filtered by the runner's tag).
  await page.locator(`[data-testid="sweep-arm-row"][data-arm="hint:${HINTS[0]}"] [data-testid="sweep-arm-traces"]`).click();
  await page.waitForURL(/\/traces\?tag=/);
  await expect(page.getByTestId("trace-row")).toHaveCount(SAMPLES);
  await page.goBack();

  // Any two samples open side by side in the compare view.
  await page.getByTestId("sweep-compare-mode").click();
  const a = second.items.find((i) => i.arm === "none")!.traceId!;
  const b = second.items.find((i) => i.arm === `hint:${HINTS[0]}`)!.traceId!;
  await page.locator(`[data-testid="sweep-cell"][data-item="${second.items.find((i) => i.traceId === a)!.id}"]`).click();
  await page.locator(`[data-testid="sweep-cell"][data-item="${second.items.find((i) => i.traceId === b)!.id}"]`).click();
  await page.waitForURL(/\/traces\/compare\?/);
  const url = new URL(page.url());
  expect([url.searchParams.get("a"), url.searchParams.get("b")]).toEqual([a, b]);

  // Both sweeps are listed with the experiments and link to their pages.
  await page.goto("/experiments");
  await expect(page.locator(`a[href="/sweeps/${encodeURIComponent(live)}"]`)).toBeVisible();
  await expect(page.locator(`a[href="/sweeps/${encodeURIComponent(stored)}"]`)).toBeVisible();
});

test("a position sweep over every trigger shows the correct rate beside the text, and the server's refusal in the dialog", async ({ page, request }) => {
  test.setTimeout(400_000);
  // A stored source: the first sweep test's live trace is not shared, so make one by running to a pause.
  const p = new PlaygroundPage(page);
  await p.open();
  await p.pickBundled(PROBLEM);
  await p.setPauseMode("triggers");
  await p.run.click();
  await expect(p.pauseBanner).toContainText(/Paused at trigger/);
  await p.continue.click();
  await expect(p.pauseBanner).toContainText(/Paused at trigger/);
  await p.continue.click();
  await expect(p.pauseBanner).toContainText(/Paused at trigger/);
  await expect(page.getByTestId("save-status")).toContainText(/· saved/);
  const traceId = decodeURIComponent((await page.getByTestId("save-status").locator("a").getAttribute("href"))!.split("/").pop()!);

  const t = new TraceDetailPage(page);
  await t.open(traceId);
  await page.getByTestId("position-sweep-open").click();
  const dialog = page.getByTestId("sweep-dialog");
  await dialog.getByTestId("sweep-position-hint").selectOption(HINTS[0]!);
  await dialog.getByTestId("sweep-samples").fill("2");
  // Every trigger occurrence of the model text so far (the two passed ones at least; the triggers include "Alternatively").
  await expect(dialog.getByTestId("sweep-count")).toContainText(/\d+ positions × 1 arm × 2 samples = \d+ runs/);

  // The server's refusal is shown in its own words (a stand-in answer: the real checks pass here).
  await page.route("**/api/sweeps", (route) => route.fulfill({ status: 400, contentType: "application/json", body: JSON.stringify({ error: { code: "bad-request", message: "hint math-complex-calculations is not in the Hint-Library" } }) }));
  await dialog.getByTestId("sweep-submit").click();
  await expect(dialog.getByTestId("sweep-error")).toHaveText("hint math-complex-calculations is not in the Hint-Library");
  await page.unroute("**/api/sweeps");

  await dialog.getByTestId("sweep-submit").click();
  await page.waitForURL(/\/sweeps\/[^/]+$/);
  const id = decodeURIComponent(new URL(page.url()).pathname.split("/").pop()!);
  await expect(page.getByTestId("sweep-status")).toHaveText("finished", { timeout: 240_000 });
  const view = (await (await request.get(`/api/sweeps/${encodeURIComponent(id)}`)).json()) as SweepJson & { positionSummary: { correctRate: number | null }[]; positions: { textOffset: number }[] };
  const strip = page.getByTestId("position-strip");
  const cells = strip.getByTestId("sweep-position");
  await expect(cells).toHaveCount(view.positions.length);
  for (let i = 0; i < view.positions.length; i++) {
    await expect(cells.nth(i)).toHaveAttribute("data-rate", String(view.positionSummary[i]!.correctRate ?? ""));
  }
  // Aligned with the text: each cell sits beside the text that starts at its position (its trigger word).
  const label = (view.positions[0] as { label?: string }).label ?? "";
  expect(label).not.toBe("");
  expect((await strip.locator(".position-text").nth(1).innerText()).startsWith(label)).toBe(true);
  const [cellBox, textBox] = [await cells.nth(1).boundingBox(), await strip.locator(".position-text").nth(2).boundingBox()];
  expect(Math.abs(cellBox!.y - textBox!.y)).toBeLessThan(2);
  // A position opens its samples.
  await cells.first().click();
  await page.waitForURL(/\/traces\?tag=/);
  await expect(page.getByTestId("trace-row")).toHaveCount(2);
});
