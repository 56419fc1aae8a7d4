import { writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { mathDatasetLines } from "./fixtures/math-dataset";

// Issue "Experiments": import a real problem set, run greedy vs the paper policy against the
// scripted model server (real recorded R1 traces), watch progress, cancel and resume, and read
// the results. The recorded /correct traces answer correctly, so every finished item is correct.
function datasetFile(name: string, problems: number): string {
  const lines = mathDatasetLines(problems);
  lines.push("{ this line is broken");
  const dir = path.resolve("test-results/e2e-data");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.jsonl`);
  writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

test("import a dataset (bad line reported), run greedy and paper:rounds=1, cancel, resume, read results and click through", async ({ page }) => {
  const name = `e2e-math-${Date.now()}`;
  await page.goto("/datasets");
  await page.getByTestId("dataset-file").setInputFiles(datasetFile(name, 3));
  await expect(page.getByTestId("dataset-report")).toContainText("Imported 3 problem(s)");
  await expect(page.getByTestId("dataset-report")).toContainText("line 4: not valid JSON");
  await page.getByTestId("dataset-row").filter({ hasText: name }).getByRole("button", { name }).click();
  await expect(page.getByTestId("dataset-problem")).toHaveCount(3);

  await page.goto("/experiments");
  await page.getByTestId("new-experiment").locator("summary").click();
  await page.getByTestId("experiment-dataset").selectOption({ label: `${name} (3)` });
  await page.getByTestId("experiment-policies").fill("greedy,paper:rounds=1");
  await page.getByTestId("new-experiment").getByLabel("Samples per problem").fill("2");
  await page.getByTestId("new-experiment").getByLabel("Concurrency").fill("1");
  await page.getByTestId("start-experiment").click();
  await expect(page).toHaveURL(/\/experiments\/[\w-]+$/);
  const progress = page.getByTestId("experiment-progress");
  await expect(progress).toContainText("running");

  // Cancel while it runs; the finished items are kept, and Resume finishes the rest.
  await expect(progress).toContainText(/[1-9]\d* done/, { timeout: 60_000 });
  await page.getByTestId("cancel-experiment").click();
  await expect(progress).toContainText("cancelled");
  const doneAtCancel = Number(/(\d+) done/.exec(await progress.innerText())![1]);
  expect(doneAtCancel).toBeLessThan(12);
  await page.getByTestId("resume-experiment").click();
  await expect(progress).toContainText("finished", { timeout: 120_000 });
  await expect(progress).toContainText("12 done · 0 failed");

  const rows = page.getByTestId("policy-row");
  await expect(rows).toHaveCount(2);
  const greedy = rows.filter({ hasText: /^greedy/ });
  await expect(greedy).toContainText("100.0%");
  await expect(greedy.locator("td").nth(1)).toHaveText("6");
  const paper = rows.filter({ hasText: "paper:rounds=1" });
  await expect(paper.locator("td").nth(5)).toHaveText("100.0%"); // every paper trace ran code
  // Issue 15: 2 samples on each of 3 problems are not 6 independent ones: the interval is over
  // problems (bootstrap, at least Wilson of 3/3 problems), not 100.0% – 100.0%, nor Wilson 6/6's 61.0%.
  await expect(greedy.getByTestId("policy-ci")).toHaveText("43.8% – 100.0%");
  await expect(greedy.getByTestId("policy-pass-at-k")).toHaveText("@2 100.0%");
  // The hint policy against greedy on the same problems and samples: no difference, with its interval and test.
  await expect(greedy.getByTestId("policy-vs-greedy")).toHaveText("—");
  await expect(paper.getByTestId("policy-vs-greedy")).toHaveText("±0.0 pts [−56.2, +56.2], p = 1.00 (sign-flip test)");

  // Issue 12: the results tables sort by a column (a button in the header, keyboard too).
  const order = () => rows.evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.policy));
  await page.getByTestId("policy-sort-policy").click();
  await expect(page.getByTestId("policy-th-policy")).toHaveAttribute("aria-sort", "ascending");
  expect(await order()).toEqual(["greedy", "paper:rounds=1"]);
  await page.getByTestId("policy-sort-policy").click();
  await expect(page.getByTestId("policy-th-policy")).toHaveAttribute("aria-sort", "descending");
  expect(await order()).toEqual(["paper:rounds=1", "greedy"]);
  await page.getByTestId("policy-sort-policy").press("Enter");
  await expect(page.getByTestId("policy-th-policy")).toHaveAttribute("aria-sort", "ascending");
  expect(await order()).toEqual(["greedy", "paper:rounds=1"]);
  await expect(page.getByTestId("policy-th-n")).toHaveAttribute("aria-sort", "none");

  // Issue 12: charts with labelled axes, a legend, a 95% band per series and exact values on hover.
  for (const [id, xLabel] of [
    ["scaling-chart", "End-of-thinking rounds (hint injections per trace)"],
    ["tokens-chart", "Mean tokens per trace (tokens)"],
  ] as const) {
    const chart = page.getByTestId(id);
    // The chart itself, not a legend icon (also an svg.recharts-surface).
    const box = (await chart.locator(".recharts-wrapper > svg.recharts-surface").boundingBox())!;
    expect(box.width).toBeGreaterThan(300);
    expect(box.height).toBeGreaterThan(250);
    expect(await chart.locator("text.chart-axis-label").allTextContents()).toEqual(expect.arrayContaining([xLabel, "pass@1 (%)"]));
    await expect(chart.locator(".recharts-legend-item")).toHaveText(["Hint rounds (paper:rounds=R)"]);
    // One band (an area between the bounds) and an error bar per point, for every series.
    const bands = await chart.locator("path.recharts-area-area").evaluateAll((ps) => ps.map((p) => p.getAttribute("d") ?? ""));
    expect(bands).toHaveLength(1);
    expect(bands[0]).toMatch(/^M[\d.]+,[\d.]+/);
    // A band with height: 6/6 on 3 problems spans 44%–100%, not a line at 100% as the normal approximation drew.
    expect((await chart.locator("path.recharts-area-area").boundingBox())!.height).toBeGreaterThan(40);
    await expect(chart.locator(".recharts-errorBar")).toHaveCount(2);
    await expect(chart.getByTestId("chart-point")).toHaveCount(2);
  }
  await page.getByTestId("scaling-chart").locator('[data-testid="chart-point"][data-policy="greedy"]').hover();
  const tooltip = page.getByTestId("scaling-chart").getByTestId("chart-tooltip");
  await expect(tooltip).toBeVisible();
  await expect(tooltip).toContainText("greedy: 0 end-of-thinking rounds");
  await expect(tooltip).toContainText(/pass@1 100\.0% \(95% CI 43\.8%–100\.0%\) · 6\/6 correct · [\d,]+ mean tokens/);

  await page.getByTestId("run-rft").click();
  await expect(page.getByTestId("rft-funnel")).toContainText("greedy wrong");

  await paper.getByRole("link").first().click();
  await expect(page).toHaveURL(/\/traces\?tag=exp/);
  await expect(page.getByTestId("trace-count")).toContainText("6");
});
