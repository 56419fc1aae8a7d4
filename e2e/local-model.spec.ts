import { mkdirSync, copyFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { APP_PORT, LOCAL_APP_PORT, LOCAL_MODELS_DIR, OFFLINE_APP_PORT } from "../playwright.config";
import { PlaygroundPage } from "./pages/playground";

// The playground on a real local model: the app on LOCAL_APP_PORT has no model server, so it
// downloads a tiny random-weight GGUF from the mock Hugging Face server (throttled, so progress
// shows) and runs it in-process with node-llama-cpp. The model's text is noise; these tests check
// the mechanics: download, stream, pause, injection from the KV cache, the model list.
const LOCAL = `http://127.0.0.1:${LOCAL_APP_PORT}`;
const OFFLINE = `http://127.0.0.1:${OFFLINE_APP_PORT}`;
const HINT = "Wait, let me check this with Python.\n";

test.describe.configure({ mode: "serial" });

test("first run downloads the local model with progress, then streams, pauses at a trigger and injects a hint that only its own tokens are evaluated for", async ({ page, request }) => {
  const p = new PlaygroundPage(page);
  await page.goto(`${LOCAL}/`);
  await expect(page.getByTestId("local-model")).toHaveAttribute("data-state", "missing");
  await expect(page.getByTestId("local-model")).toContainText("tiny.gguf is not downloaded yet");
  await p.typeProblem("What is 2+2?");
  // Noise has no "Wait": a regex trigger on any three characters fires within the first tokens,
  // whatever the random weights favour (two letters in a row once failed to show up in a run).
  await page.getByTestId("triggers-input").fill("/[\\s\\S]{3}/");
  await page.getByTestId("triggers-input").blur();
  await p.setPauseMode("triggers");
  await page.getByTestId("model-settings").locator("summary").click();
  await page.getByTestId("max-tokens").fill("400");
  await p.run.click();

  const progress = page.getByTestId("download-progress");
  await expect(progress).toBeVisible();
  await expect(progress).toContainText(/of 460 KB · [\d.]+ (KB|MB)\/s/);
  await expect(page.getByTestId("local-model")).toHaveAttribute("data-state", "ready", { timeout: 30_000 });
  await expect(page.getByTestId("local-model")).toContainText("tiny.gguf (460 KB)");

  // The run starts by itself once the model is there, and pauses at the first trigger.
  await expect(p.pauseBanner).toContainText(/Paused at trigger/, { timeout: 60_000 });
  await expect(p.hintPicker).toBeVisible();
  await p.hintPicker.getByTestId("hint-option").first().click();
  await p.editHint(HINT);
  await p.setPauseMode("never");
  await p.inject.click();
  await expect(p.traceView.getByTestId("hint-segment")).toContainText("Wait, let me check this with Python.");
  await expect(p.phase).toHaveText(/finished|stopped/, { timeout: 60_000 });

  // The saved trace records what llama.cpp evaluated for each request.
  await expect(page.getByTestId("save-status")).toContainText(/saved/i, { timeout: 15_000 });
  const list = (await (await request.get(`${LOCAL}/api/traces?sort=created`)).json()) as { items: { id: string }[] };
  const trace = (await (await request.get(`${LOCAL}/api/traces/${list.items[0]!.id}`)).json()) as {
    config: { provider: string; model: string };
    segments: { kind: string; text: string }[];
    events: { type: string; usage?: { promptTokens?: number; cachedTokens?: number; completionTokens?: number } }[];
  };
  expect(trace.config).toMatchObject({ provider: "local", model: "hf:hintlab/tiny/tiny.gguf" });
  // The first stream was cut by the page at the trigger (no usage comes back from an abort); the
  // one after the hint reports how much of its prompt the KV cache already held.
  const injectedAt = trace.events.findIndex((e) => e.type === "hint-injected");
  expect(injectedAt).toBeGreaterThan(0);
  const afterHint = trace.events.slice(injectedAt).find((e) => e.type === "stream-ended")!.usage!;
  // The byte-level vocabulary makes the hint one token per byte; a trigger cut inside a multi-byte
  // character re-reads at most 3 more. Everything before it came from the cache.
  const evaluated = afterHint.promptTokens! - afterHint.cachedTokens!;
  expect(afterHint.cachedTokens).toBeGreaterThan(30);
  expect(evaluated).toBeGreaterThanOrEqual(1);
  const injected = trace.segments.find((seg) => seg.kind === "hint")!.text;
  expect(injected).toContain(HINT.trim());
  expect(evaluated).toBeLessThanOrEqual(Buffer.byteLength(injected) + 3);
});

test("Model settings list the local models in the cache next to the endpoint's models", async ({ page }) => {
  // A second GGUF file in the cache shows up in the list.
  mkdirSync(join(LOCAL_MODELS_DIR, "mine"), { recursive: true });
  copyFileSync("test-results/e2e-hf/tiny.gguf", join(LOCAL_MODELS_DIR, "mine", "other.gguf"));
  await page.goto(`${LOCAL}/`);
  await page.getByTestId("model-settings").locator("summary").click();
  const choice = page.getByTestId("model-choice");
  await expect(choice.locator("optgroup").first()).toHaveAttribute("label", /Local GGUF/);
  await expect(choice.locator("option")).toHaveText([/tiny\.gguf — default, 460 KB/, /mine\/other\.gguf — 460 KB/]);
  await choice.selectOption("local:mine/other.gguf");
  await expect(page.getByTestId("model-summary")).toHaveText("mine/other.gguf (local)");
  await expect(page.getByTestId("local-model")).toContainText("other.gguf");

  // The app with a model server lists its models, and the local default beside them.
  await page.goto(`http://127.0.0.1:${APP_PORT}/`);
  await page.getByTestId("model-settings").locator("summary").click();
  const remote = page.getByTestId("model-choice");
  await expect(remote.locator("optgroup")).toHaveCount(2);
  await expect(remote.locator("optgroup").nth(1)).toHaveAttribute("label", /^Server http:\/\/127\.0\.0\.1:\d+\/v1$/);
  await expect(remote.locator("optgroup").nth(1).locator("option")).toContainText(["scripted-r1"]);
  await expect(remote.locator("optgroup").first().locator("option")).toHaveText([/DeepSeek-R1-Distill-Qwen-1\.5B-Q4_K_M\.gguf — default, not downloaded/]);
});

test("offline, the playground says so in one sentence and shows the three ways forward", async ({ page }) => {
  await page.goto(`${OFFLINE}/`);
  await expect(page.getByTestId("local-model")).toHaveAttribute("data-state", "missing");
  await page.getByTestId("download-model").click();
  const notice = page.getByTestId("offline-notice");
  await expect(notice).toBeVisible();
  await expect(notice.locator("p strong")).toHaveText(
    "This machine cannot reach the internet, so the local model DeepSeek-R1-Distill-Qwen-1.5B-Q4_K_M.gguf cannot be downloaded.",
  );
  await expect(notice.locator("li")).toHaveCount(3);
  await expect(notice.getByTestId("model-path")).toHaveText(/test-results\/e2e-offline\/models\/bartowski\/DeepSeek-R1-Distill-Qwen-1\.5B-GGUF\/DeepSeek-R1-Distill-Qwen-1\.5B-Q4_K_M\.gguf$/);
  await expect(notice.locator("li").nth(1)).toContainText("HINTLAB_LOCAL_MODEL");
  await expect(notice.locator("li").nth(2)).toContainText("HINTLAB_BASE_URL");
  // Nothing else changed: the problem box and the rest of the playground still work.
  await expect(page.getByTestId("problem-input")).toBeEditable();
});
