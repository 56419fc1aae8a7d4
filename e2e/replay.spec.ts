import { expect, test } from "@playwright/test";
import { OFFLINE_APP_PORT } from "../playwright.config";

// A demo works with no model and no network: the app used here has no model server configured
// and cannot reach Hugging Face. The demo trace is a real ToRA trajectory shipped in
// demo-traces/ (prose, "Let's use Python…", a python block printing 81, its recorded output).
const APP = `http://127.0.0.1:${OFFLINE_APP_PORT}`;
const DEMO = "demo-math-train-2646-0";

test("a bundled demo trace replays: text grows, a trigger lights up as it arrives, the code re-runs live beside the recorded output", async ({ page }) => {
  await page.goto(`${APP}/traces`);
  await page.getByTestId("load-demo-traces").click();
  await expect(page.getByTestId("demo-traces-status")).toContainText(/demo traces? (added|are already here)/);
  await expect(page.locator(`a[href="/traces/${DEMO}"]`).first()).toBeVisible();

  await page.goto(`${APP}/traces/${DEMO}`);
  const view = page.getByTestId("trace-view");
  await expect(view).toBeVisible();
  // Before the replay: the whole stored trace, with its trigger and its recorded output.
  await expect(view.locator("mark.trigger")).toHaveText(["Let's"]);

  // Sample the page from before the replay starts (a loaded machine must not make the test miss
  // the start): whether the replay is on, how many of the trace's characters it shows (the
  // controls say; the rendered view's DOM text is not the stored text), the length of the model
  // text on screen, and how many triggers are highlighted.
  await view.evaluate((el) => {
    const out: { replaying: boolean; chars: number; screen: number; triggers: number }[] = [];
    (window as unknown as { __replaySamples: typeof out }).__replaySamples = out;
    const id = setInterval(() => {
      const shown = document.querySelector<HTMLElement>('[data-testid="replay-controls"]')?.dataset.shownChars;
      const screen = [...el.querySelectorAll('[data-kind="model"]')].reduce((n, m) => n + (m.textContent ?? "").length, 0);
      out.push({ replaying: shown !== undefined, chars: Number(shown ?? 0), screen, triggers: el.querySelectorAll("mark.trigger").length });
      if (out.length >= 100) clearInterval(id);
    }, 80);
  });
  await page.getByTestId("replay-speed").selectOption("5");
  await page.getByTestId("replay-start").click();
  const banner = page.getByTestId("replay-banner");
  await expect(banner).toContainText("Replay of a recorded trace");
  await expect(banner).toContainText("no model is running");
  await expect(banner).toContainText("re-run live in this page's Python");
  await expect(page.getByTestId("replay-phase")).toHaveAttribute("data-phase", "ended");

  type Sample = { replaying: boolean; chars: number; screen: number; triggers: number };
  const samples = (await page.evaluate(() => (window as unknown as { __replaySamples: Sample[] }).__replaySamples)).filter((x) => x.replaying);
  const chars = samples.map((x) => x.chars);
  const firstTrigger = samples.findIndex((x) => x.triggers > 0);
  const seen = {
    grows: chars.every((c, i) => i === 0 || c >= chars[i - 1]!),
    // The text grew step by step, not all at once.
    distinctLengths: new Set(chars).size >= 8,
    // "Let's" was highlighted only once it had been written.
    triggerArrivedLater: firstTrigger > 0,
  };
  expect(seen, JSON.stringify(samples)).toEqual({ grows: true, distinctLengths: true, triggerArrivedLater: true });
  // And on screen: from nothing to the whole text.
  expect(samples[0]!.screen).toBeLessThan(50);
  expect(samples[samples.length - 1]!.screen).toBeGreaterThan(500);

  // The code block ran again in the page's Python; its output sits beside the recorded one.
  const rerun = page.getByTestId("rerun-output");
  await expect(rerun).toHaveAttribute("data-rerun-status", "done", { timeout: 45_000 });
  await expect(rerun.locator("figcaption")).toContainText("re-run now");
  await expect(rerun.getByTestId("rerun-text")).toHaveText("81");
  await expect(rerun.getByTestId("rerun-verdict")).toHaveText("same as recorded");
  const recorded = page.getByTestId("recorded-output");
  await expect(recorded.locator("figcaption")).toHaveText("recorded");
  await expect(recorded.getByTestId("code-output")).toHaveText("81");

  await expect(page.getByTestId("replay-toggle")).toHaveText(/Replay again/);
  await expect(view).toContainText("The sum of all possible whole number values of");

  // Leaving the replay gives the step-through player's view back.
  await page.getByTestId("replay-exit").click();
  await expect(banner).toHaveCount(0);
  await expect(page.getByTestId("rerun-output")).toHaveCount(0);
});
