import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { OFFLINE_APP_PORT } from "../playwright.config";

// Issue 12, part 6: the problem sets hintlab ships are on the Datasets page of a new install and
// run as they are. The offline app's data directory is removed before the suite starts, so its
// Datasets page is what a new user sees; the main app runs an experiment against the scripted
// model server, which replays the recorded (correct) R1 traces of the MATH sample's problems.
const OFFLINE = `http://127.0.0.1:${OFFLINE_APP_PORT}`;
const BUNDLED = ["AIME 2024", "AMC 2023", "MATH sample (Level 5)", "LiveCodeBench sample"];

test("a fresh install lists the bundled datasets, each with its problems and gold answers or tests", async ({ page }) => {
  await page.goto(`${OFFLINE}/datasets`);
  const rows = page.getByTestId("dataset-row");
  await expect(rows).toHaveCount(4);
  const cells = await rows.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].slice(0, 3).map((td) => td.textContent?.trim())));
  expect(cells).toEqual([
    ["AIME 2024bundled", "30", "math: 30"],
    ["AMC 2023bundled", "40", "math: 40"],
    ["MATH sample (Level 5)bundled", "10", "math: 10"],
    ["LiveCodeBench samplebundled", "24", "code: 24"],
  ]);
  await expect(rows.first()).toContainText("QwenLM/Qwen2.5-Math");
  await rows.filter({ hasText: "AIME 2024" }).getByRole("button", { name: "AIME 2024" }).click();
  await expect(page.getByTestId("dataset-problem").first()).toContainText("gold 204");
  await rows.filter({ hasText: "LiveCodeBench" }).getByRole("button", { name: "LiveCodeBench sample" }).click();
  await expect(page.getByTestId("dataset-problem").first()).toContainText("code · 3 tests");

  // Bundled sets are read-only; an import of one's own can be deleted.
  await expect(page.getByTestId("delete-dataset")).toHaveCount(0);
  const dir = path.resolve("test-results/e2e-offline");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "mine.jsonl");
  writeFileSync(file, JSON.stringify({ problem: "What is 1+1?", answer: "2" }) + "\n");
  await page.getByTestId("dataset-file").setInputFiles(file);
  await expect(page.getByTestId("dataset-report")).toContainText("Imported 1 problem(s) into mine");
  await expect(rows).toHaveCount(5);
  await expect(rows.first()).toContainText("mine");
  page.once("dialog", (d) => void d.accept());
  await rows.first().getByTestId("delete-dataset").click();
  await expect(rows).toHaveCount(4);
  await expect(page.getByTestId("delete-dataset")).toHaveCount(0);
});

test("an experiment starts from a bundled dataset with no import and is graded", async ({ page }) => {
  await page.goto("/datasets");
  const math = page.getByTestId("dataset-row").filter({ hasText: "MATH sample (Level 5)" });
  for (const name of BUNDLED) await expect(page.getByTestId("dataset-row").filter({ hasText: name })).toHaveCount(1);
  await math.getByTestId("start-experiment-on-dataset").click();

  await expect(page).toHaveURL(/\/experiments\?dataset=bundled-math-sample-/);
  const form = page.getByTestId("new-experiment");
  await expect(form.getByTestId("experiment-dataset").locator("option:checked")).toHaveText("MATH sample (Level 5) (10) · bundled");
  await form.getByTestId("experiment-policies").fill("greedy");
  await form.getByTestId("experiment-problem-limit").fill("3");
  await form.getByLabel("Concurrency").fill("3");
  await form.getByTestId("start-experiment").click();
  await expect(page).toHaveURL(/\/experiments\/[\w-]+$/);
  const progress = page.getByTestId("experiment-progress");
  await expect(progress).toContainText("finished", { timeout: 60_000 });
  await expect(progress).toContainText("3 done · 0 failed");

  const id = new URL(page.url()).pathname.split("/").pop()!;
  const detail = (await (await page.request.get(`/api/experiments/${id}`)).json()) as {
    datasetName: string;
    results: { policies: { policy: string; n: number; pass1: number }[] };
  };
  expect(detail.datasetName).toBe("MATH sample (Level 5)");
  // Graded against the bundled gold answers: the replayed traces reach them.
  expect(detail.results.policies.map((p) => [p.policy, p.n, p.pass1])).toEqual([["greedy", 3, 1]]);
  await expect(page.getByTestId("policy-row").filter({ hasText: /^greedy/ })).toContainText("100.0%");
});
