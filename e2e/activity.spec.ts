import { expect, test } from "@playwright/test";
import { R1_ROW, seedR1Trace, TraceDetailPage } from "./pages/trace-detail";

// Issue 13, item 5: the trace page's Activity panel says who did what. The e2e app signs the
// local user in by itself (no accounts), so the page's own writes are by "local".
test("marking and editing on the trace page show up in Activity, newest first, with their author", async ({ page }) => {
  const now = Date.now();
  const id = await seedR1Trace(page.request, "activity-e2e", {
    events: [
      { type: "run-started", at: now - 120_000 },
      { type: "run-finished", at: now - 60_000, reason: "eos" },
    ],
  });
  const t = new TraceDetailPage(page);
  await t.open(id);
  const panel = page.getByTestId("activity-panel");
  const entries = panel.getByTestId("activity-entry");
  await expect(entries).toHaveCount(2);
  await expect(entries.first()).toContainText("model run");
  await expect(entries.first()).toContainText("run finished: eos");
  await expect(entries.first().locator("time")).toHaveText("1 minute ago");

  await t.select(25, 45);
  await page.getByTestId("annotation-label").fill("unreasonable");
  await page.getByTestId("annotation-comment").fill("not what the problem asks");
  await page.getByTestId("annotate-button").click();
  await expect(entries).toHaveCount(3);
  const marked = entries.first();
  await expect(marked).toHaveAttribute("data-kind", "annotation-added");
  await expect(marked.getByTestId("activity-author")).toHaveText("local");
  await expect(marked).toContainText("marked as unreasonable");
  await expect(marked).toContainText(R1_ROW.completion.slice(25, 45));
  await expect(marked).toContainText("not what the problem asks");
  await expect(marked).toContainText("segment 1 · 25–45");

  await t.select(100, 130);
  await t.typeReplacement("a shorter sentence");
  await t.saveEdit.click();
  await expect(t.editDialog).toHaveCount(0);
  await expect(entries).toHaveCount(4);
  const edited = entries.first();
  await expect(edited).toHaveAttribute("data-kind", "edit-added");
  await expect(edited.getByTestId("activity-author")).toHaveText("local");
  await expect(edited.locator("del")).toHaveText(R1_ROW.completion.slice(100, 130));
  await expect(edited.locator("ins")).toHaveText("a shorter sentence");
  // The exact time is on hover.
  await expect(edited.locator("time")).toHaveAttribute("title", /\d/);
  await expect(edited.locator("time")).toHaveText("just now");
  await expect(entries.nth(1)).toHaveAttribute("data-kind", "annotation-added");
});

test("a long history renders the newest entries and the rest on request", async ({ page }) => {
  const now = Date.now();
  const hints = Array.from({ length: 40 }, (_, i) => ({ type: "hint-injected", at: now - 100_000 + i * 1000, hintId: `hint-${i}`, reason: "trigger", offset: i, decidedBy: i % 2 ? "user" : "policy" }));
  const id = await seedR1Trace(page.request, "activity-long-e2e", { events: [{ type: "run-started", at: now - 200_000 }, ...hints] });
  await new TraceDetailPage(page).open(id);
  const panel = page.getByTestId("activity-panel");
  await expect(panel.getByRole("heading")).toContainText("(41)");
  await expect(panel.getByTestId("activity-entry")).toHaveCount(30);
  await expect(panel.getByTestId("activity-entry").first()).toContainText("hint hint-39 injected at a trigger, chosen by the user");
  await panel.getByTestId("activity-show-all").click();
  await expect(panel.getByTestId("activity-entry")).toHaveCount(41);
  await expect(panel.getByTestId("activity-entry").last()).toContainText("run started");
});
