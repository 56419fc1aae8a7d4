import { expect, test, type Locator, type Page } from "@playwright/test";
import { PlaygroundPage } from "./pages/playground";

// Issue 12, "The pause in view": while paused the place of the pause stays on screen next to the
// hint picker, the pause has keys, and a minimap along the trace jumps to triggers, hints, code and
// outputs. Uses the bundled MATH problem whose real R1 trace (many "Wait"s) the scripted server streams.
const PROBLEM = "math-problem_1591";

type Box = { x: number; y: number; width: number; height: number };

async function box(l: Locator): Promise<Box> {
  const b = await l.boundingBox();
  if (!b) throw new Error("not rendered");
  return b;
}

/** Whether `inner` lies inside `outer` (1px of rounding allowed). */
const inside = (inner: Box, outer: Box) => inner.x >= outer.x - 1 && inner.y >= outer.y - 1 && inner.x + inner.width <= outer.x + outer.width + 1 && inner.y + inner.height <= outer.y + outer.height + 1;

/** The pause marker in the window and, as shown, in the trace view's visible part. */
async function markerInView(page: Page, p: PlaygroundPage): Promise<boolean> {
  const viewport = page.viewportSize()!;
  const screen = { x: 0, y: 0, width: viewport.width, height: viewport.height };
  const marker = await box(p.traceView.getByTestId("pause-marker"));
  return inside(marker, screen) && inside(marker, await box(p.traceView));
}

/** Key presses land on the page, not on a control that kept the focus. */
async function blur(page: Page): Promise<void> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
}

async function pausedAtTrigger(page: Page): Promise<PlaygroundPage> {
  const p = new PlaygroundPage(page);
  await p.open();
  await p.pickBundled(PROBLEM);
  await p.setPauseMode("triggers");
  await p.run.click();
  await expect(p.pauseBanner).toContainText(/Paused at trigger .Wait./);
  // The picker's editor (Monaco) loads after the pause: its arrival is the last layout change.
  await expect(p.hintPicker.locator(".monaco-editor")).toBeVisible();
  return p;
}

for (const { width, height, sideBySide } of [
  { width: 1440, height: 900, sideBySide: true },
  { width: 1024, height: 768, sideBySide: false },
]) {
  test(`at ${width}×${height} the pause marker and the text before it are in view with the hint picker (${sideBySide ? "side by side" : "trace first, picker under it"})`, async ({ page }) => {
    await page.setViewportSize({ width, height });
    const p = await pausedAtTrigger(page);
    const screen = { x: 0, y: 0, width, height };
    await expect.poll(() => markerInView(page, p)).toBe(true);

    const trace = await box(p.traceView);
    const picker = await box(p.hintPicker);
    if (sideBySide) {
      expect(picker.x).toBeGreaterThanOrEqual(trace.x + trace.width);
    } else {
      expect(picker.y).toBeGreaterThanOrEqual(trace.y + trace.height);
    }
    // Both on screen: the picker's first hints and Inject, and a few lines of text before the marker.
    expect(inside(await box(p.hintPicker.getByTestId("hint-option").first()), screen)).toBe(true);
    expect(inside(await box(p.inject), screen)).toBe(true);
    const marker = await box(p.traceView.getByTestId("pause-marker"));
    expect(marker.y - trace.y).toBeGreaterThan(60);

    // The editor is compact until focused, then grows; the marker stays in view as the layout changes.
    const editor = page.getByTestId("hint-editor");
    const compact = (await box(editor)).height;
    expect(compact).toBeLessThan(120);
    await editor.locator(".monaco-editor").click();
    await expect(editor).toHaveAttribute("data-expanded", "true");
    await expect.poll(async () => (await box(editor)).height).toBeGreaterThan(compact + 80);
    await expect.poll(() => markerInView(page, p)).toBe(true);
  });
}

test("keyboard flow of a pause: 2 picks the second hint, Enter injects it, c continues, s steps, Esc stops; Enter and c in the editor are text", async ({ page }) => {
  const p = await pausedAtTrigger(page);
  const options = p.hintPicker.getByTestId("hint-option");
  await expect(options.nth(1)).toContainText("2");
  await expect(p.inject).toContainText("Enter");
  await expect(p.continue).toContainText("c");
  const second = await options.nth(1).getAttribute("data-hint-id");

  // Keys typed in the hint editor are text: Enter is a newline, c is a letter; the run stays paused.
  const editor = page.getByTestId("hint-editor");
  await editor.locator(".monaco-editor").click();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.press("s");
  await page.keyboard.press("Enter");
  await page.keyboard.press("c");
  await expect.poll(() => editor.locator(".view-line").allInnerTexts()).toEqual(["s", "c"]);
  await expect(p.phase).toHaveText("paused");
  await expect(p.traceView.getByTestId("hint-segment")).toHaveCount(0);

  await blur(page);
  await page.keyboard.press("2");
  await expect(options.nth(1)).toHaveClass(/selected/);
  await expect(options.nth(0)).not.toHaveClass(/selected/);
  const firstPause = await p.pauseOffset();
  await page.keyboard.press("Enter");
  const hint = p.traceView.getByTestId("hint-segment");
  await expect(hint).toHaveCount(1);
  await expect(hint).toContainText(second!);

  // The next pause: c continues without a hint, to the pause after it.
  await expect(p.pauseBanner).toBeVisible({ timeout: 60_000 });
  const second_ = await p.pauseOffset();
  expect(second_).toBeGreaterThan(firstPause);
  await blur(page);
  await page.keyboard.press("c");
  await expect.poll(() => p.pauseOffset(), { timeout: 60_000 }).toBeGreaterThan(second_);
  await expect(p.traceView.getByTestId("hint-segment")).toHaveCount(1);

  // s steps to the next pause point.
  const third = await p.pauseOffset();
  await page.keyboard.press("s");
  await expect.poll(() => p.pauseOffset(), { timeout: 60_000 }).toBeGreaterThan(third);
  await expect(p.events.filter({ hasText: /^[\d.]+s paused/ })).toHaveCount(4);

  await page.keyboard.press("Escape");
  await expect(p.phase).toHaveText("stopped");
  await expect(p.pauseBanner).toHaveCount(0);
});

test("the minimap shows ticks for triggers and hints, and a click scrolls the trace there, in the playground and on the trace page", async ({ page }) => {
  const p = await pausedAtTrigger(page);
  // Two more pauses: written-back triggers before the last one.
  for (let i = 0; i < 2; i++) {
    const at = await p.pauseOffset();
    await p.continue.click();
    await expect.poll(() => p.pauseOffset(), { timeout: 60_000 }).toBeGreaterThan(at);
  }
  await p.inject.click();
  await expect(p.traceView.getByTestId("hint-segment")).toHaveCount(1);
  await expect(p.pauseBanner).toBeVisible({ timeout: 60_000 });

  const minimap = page.getByTestId("minimap");
  const ticks = minimap.getByTestId("minimap-tick");
  await expect(minimap.locator('[data-kind="trigger"]')).toHaveCount(2);
  await expect(minimap.locator('[data-kind="hint"]')).toHaveCount(1);
  // The strip runs along the trace view, ticks in text order from top to bottom.
  const strip = await box(minimap);
  const view = await box(p.traceView);
  expect(Math.abs(strip.y - view.y)).toBeLessThan(2);
  expect(Math.abs(strip.height - view.height)).toBeLessThan(2);
  expect(strip.x).toBeGreaterThanOrEqual(view.x + view.width - 1);
  const ys = await ticks.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().top));
  expect(ys).toEqual([...ys].sort((a, b) => a - b));

  // Paused: the trace shows its end. A click on the first trigger's tick scrolls up to that trigger.
  const scrolled = () => p.traceView.evaluate((el) => el.scrollTop);
  const atPause = await scrolled();
  expect(atPause).toBeGreaterThan(0);
  await minimap.locator('[data-kind="trigger"]').first().click();
  await expect.poll(scrolled).toBeLessThan(atPause);
  const trigger = p.traceView.getByTestId("trigger").first();
  await expect.poll(async () => inside(await box(trigger), await box(p.traceView))).toBe(true);
  // The hint's tick brings the hint into view.
  await minimap.locator('[data-kind="hint"]').click();
  await expect.poll(async () => inside(await box(p.traceView.getByTestId("hint-segment")), await box(p.traceView))).toBe(true);

  await p.page.getByTestId("pause-stop-button").click();
  await expect(p.phase).toHaveText("stopped");
  const href = await page.getByTestId("save-status").locator("a").getAttribute("href");
  expect(href).toMatch(/^\/traces\//);
  await expect.poll(async () => (await page.request.get(`/api${href}`).then((r) => r.json())).status).toBe("stopped");
  await page.goto(href!);
  const detail = page.getByTestId("minimap");
  await expect(detail.locator('[data-kind="hint"]')).toHaveCount(1);
  await expect(detail.locator('[data-kind="trigger"]').first()).toBeAttached();
  const traceView = page.getByTestId("trace-view");
  await traceView.evaluate((el) => (el.scrollTop = el.scrollHeight));
  const bottom = await traceView.evaluate((el) => el.scrollTop);
  await detail.locator('[data-kind="hint"]').click();
  await expect.poll(() => traceView.evaluate((el) => el.scrollTop)).not.toBe(bottom);
  await expect.poll(async () => inside(await box(traceView.getByTestId("hint-segment")), await box(traceView))).toBe(true);
});
