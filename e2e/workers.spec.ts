import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { MODEL_URL } from "../playwright.config";
import { mathDatasetLines } from "./fixtures/math-dataset";

// Issue 14: an experiment worked on by `hintlab worker` processes sharing the app's database;
// the experiment page shows each worker with its progress while it runs and after it left.
test("a hintlab worker process takes over a cancelled experiment; its page lists the worker and its progress", async ({ page }) => {
  const name = `e2e-workers-${Date.now()}`;
  const dir = path.resolve("test-results/e2e-data");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.jsonl`);
  writeFileSync(file, mathDatasetLines(3).join("\n") + "\n");
  await page.goto("/datasets");
  await page.getByTestId("dataset-file").setInputFiles(file);
  await expect(page.getByTestId("dataset-report")).toContainText("Imported 3 problem(s)");

  // Started and cancelled in the app: the workers will run it instead.
  await page.goto("/experiments");
  await page.getByTestId("new-experiment").locator("summary").click();
  await page.getByTestId("experiment-dataset").selectOption({ label: `${name} (3)` });
  await page.getByTestId("experiment-policies").fill("greedy");
  await page.getByTestId("new-experiment").getByLabel("Samples per problem").fill("2");
  await page.getByTestId("new-experiment").getByLabel("Concurrency").fill("1");
  await page.getByTestId("start-experiment").click();
  await expect(page).toHaveURL(/\/experiments\/[\w-]+$/);
  const id = page.url().split("/").pop()!;
  const progress = page.getByTestId("experiment-progress");
  await page.getByTestId("cancel-experiment").click();
  await expect(progress).toContainText("cancelled");
  await expect(page.getByTestId("experiment-workers")).toHaveCount(0);

  const worker = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "lib/cli/main.ts", "worker", "--experiment", id, "--db", path.join(dir, "hintlab.db"), "--concurrency", "2"], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      NODE_ENV: "production",
      TSX_TSCONFIG_PATH: path.resolve("tsconfig.json"),
      // Two servers of the model (the scripted server under two names): the worker's endpoint
      // pool reports its live counters per server to the page.
      HINTLAB_BASE_URL: `${MODEL_URL}/v1, ${MODEL_URL.replace("127.0.0.1", "localhost")}/v1@1`,
      HINTLAB_MODEL: "scripted-r1",
      HINTLAB_TEMPLATE: "deepseek-r1",
    },
  });
  let stderr = "";
  worker.stderr.on("data", (d: Buffer) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => worker.on("close", resolve));

  const row = page.getByTestId("experiment-worker");
  await expect(row).toHaveCount(1, { timeout: 60_000 });
  await expect(row).toContainText(`pid ${worker.pid}`);
  await expect(progress).toContainText("finished", { timeout: 120_000 });
  expect(await exited, stderr).toBe(0);
  await expect(progress).toContainText("6 done · 0 failed");
  await expect(row).toHaveAttribute("data-state", "left");
  await expect(row.locator("td").nth(3)).toHaveText(/^[1-6]$/); // done by this worker (the app may have finished one before the cancel)

  // The model servers the worker used, with what each served (one request per greedy trace).
  const servers = page.getByTestId("experiment-endpoint");
  await expect(servers).toHaveCount(2);
  await expect(servers.first()).toContainText(`${MODEL_URL}/v1`);
  await expect(servers.nth(1)).toContainText("/ 1"); // its cap
  const served = (await page.getByTestId("endpoint-served").allTextContents()).map(Number);
  const byWorker = Number(await row.locator("td").nth(3).textContent());
  expect(served.reduce((a, b) => a + b, 0)).toBe(byWorker);
  await expect(page.getByTestId("endpoint-outstanding").first()).toHaveText("0");
});
