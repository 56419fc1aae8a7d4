import { test as base, expect } from "@playwright/test";
import { MODEL_URL } from "../playwright.config";
import { startNextServer, type NextServer } from "./fixtures/next-server";
import { startScriptedServer, type ScriptedServer } from "./fixtures/scripted-server";
import { PlaygroundPage } from "./pages/playground";

// When the run pauses and who injects: end of thinking, the paper policy's automatic rounds,
// Step, the chat (assistant prefill) API, a server that ignores stop strings, and an app with no
// model configured at all. Tests that must see what the model server received point the page at
// their own scripted server and read its recorded requests.

const test = base.extend<object, { model: ScriptedServer }>({
  model: [
    async ({}, use) => {
      const server = await startScriptedServer({ chunksPerSecond: 1500 });
      await use(server);
      await server.close();
    },
    { scope: "worker" },
  ],
});

// MATH 1591 (compound interest, gold 6.17): a real R1-distill trace with seven "Wait"s before </think>.
const PROBLEM = "math-problem_1591";

test("pauses before the end of thinking; an injected hint makes the model write code, which runs, and the model then answers", async ({ page }) => {
  const p = new PlaygroundPage(page);
  await p.open();
  await p.pickBundled(PROBLEM);
  await p.setPauseMode("end");
  await p.run.click();

  await expect(p.pauseBanner).toContainText("end of thinking", { timeout: 30_000 });
  await expect(p.pauseBanner).toContainText("</think>");
  await expect(p.traceView.getByTestId("pause-marker")).toHaveText(/<\/think>/);
  // Triggers went by without pausing.
  await expect(p.traceView.getByTestId("trigger").first()).toBeVisible();
  await expect(p.events.filter({ hasText: /^[\d.]+s paused/ })).toHaveCount(1);

  await p.hintPicker.locator('[data-hint-id="math-complex-calculations"]').click();
  await p.inject.click();
  await expect(p.traceView.getByTestId("hint-segment")).toContainText("before end of thinking");
  await expect(p.traceView.getByTestId("code-output").first()).toContainText("result: 6.17");
  await expect(p.events.filter({ hasText: "hint math-complex-calculations injected" })).toContainText("end-of-thinking, round 1, by user");
  // After the output the model closes its thinking again: another chance for a hint (a round 2).
  await expect(p.pauseBanner).toContainText("end of thinking");
  await expect(p.events.filter({ hasText: /^[\d.]+s paused/ })).toHaveCount(2);
  await p.continue.click();
  await expect(p.finalAnswer).toHaveText("6.17");
  await expect(p.verdict).toContainText("correct");
});

test("paper policy, 2 rounds: two hints are injected at the end of thinking without pausing, and the answer is graded", async ({ page }) => {
  const p = new PlaygroundPage(page);
  await p.open();
  await p.pickBundled(PROBLEM);
  await p.setPolicy("paper", 2);
  await p.watchFor("pause-banner");
  await p.run.click();

  await expect(p.verdict).toContainText("correct", { timeout: 60_000 });
  await expect(p.finalAnswer).toHaveText("6.17");
  const injected = p.events.filter({ hasText: /hint \S+ injected/ });
  await expect(injected).toHaveCount(2);
  await expect(injected.nth(0)).toContainText("round 1, by policy");
  await expect(injected.nth(1)).toContainText("round 2, by policy");
  await expect(p.traceView.getByTestId("code-output")).toHaveCount(2);
  expect(await p.wasSeen("pause-banner")).toBe(false);
});

test("budget forcing (s1): below min the end of thinking becomes a forced Wait; at max </think> is forced and the model answers", async ({ page, model }) => {
  const p = new PlaygroundPage(page);
  await p.open();
  await p.setBaseUrl(model.baseUrl);

  // Min: the scripted model ends its thinking after ~150 tokens; 200 are required, so each early
  // </think> is cut and "Wait" goes in until the model has thought 200 tokens.
  await p.typeProblem("What is six times seven?", { kind: "math", gold: "42" });
  await p.setBudget({ min: 200, max: null, word: "Wait" });
  await p.watchFor("pause-banner");
  let from = model.requests.length;
  await p.run.click();
  await expect(p.verdict).toContainText("correct", { timeout: 60_000 });
  await expect(p.finalAnswer).toHaveText("42");
  const waits = p.traceView.getByTestId("hint-segment").filter({ hasText: "budget-wait" });
  await expect(waits.first()).toContainText("before end of thinking");
  await expect(waits.first()).toContainText("Wait");
  expect(await waits.count()).toBeGreaterThanOrEqual(1);
  await expect(p.events.filter({ hasText: "hint budget-wait injected" }).first()).toContainText("end-of-thinking, round 1, by policy");
  expect(await p.wasSeen("pause-banner")).toBe(false);
  let sent = model.requests.slice(from).filter((r) => r.endpoint === "completions");
  // The marker was a stop string while below min, and the model was sent its thinking with the word appended.
  expect(sent[0]!.stop).toContain("</think>");
  expect(sent.some((r) => r.prompt!.endsWith("Wait"))).toBe(true);

  // Max: 60 thinking tokens, then </think> is forced (the request asked for exactly 60) and the model answers.
  await p.pickBundled(PROBLEM);
  await p.setBudget({ min: 0, max: 60 });
  from = model.requests.length;
  await p.run.click();
  await expect(p.finalAnswer).toHaveText("6.17", { timeout: 60_000 });
  await expect(p.verdict).toContainText("correct");
  const forced = p.traceView.getByTestId("hint-segment");
  await expect(forced).toHaveCount(1);
  await expect(forced).toContainText("budget-end-of-thinking");
  await expect(forced).toContainText("end of thinking forced at the thinking budget");
  await expect(forced).toContainText("</think>");
  await expect(p.events.filter({ hasText: "hint budget-end-of-thinking injected" })).toContainText("thinking-budget, by policy");
  sent = model.requests.slice(from).filter((r) => r.endpoint === "completions");
  await sent[0]!.settled;
  expect(sent[0]).toMatchObject({ maxTokens: 60, finishReason: "length" });
  expect(sent[1]!.prompt!.endsWith("</think>")).toBe(true);
  expect(sent[1]!.maxTokens).toBeGreaterThan(60);
});

test("Step resumes and pauses at the next trigger even when only the end of thinking is set to pause", async ({ page }) => {
  const p = new PlaygroundPage(page);
  await p.open();
  await p.pickBundled(PROBLEM);
  await p.setPauseMode("both");
  await p.run.click();
  await expect(p.pauseBanner).toContainText(/Paused at trigger .Wait./);
  const first = await p.pauseOffset();

  await p.setPauseMode("end");
  await p.step.click();
  await expect(p.pauseBanner).toContainText(/Paused at trigger .Wait./);
  await expect.poll(() => p.pauseOffset()).toBeGreaterThan(first);
  await expect(p.events.filter({ hasText: /^[\d.]+s trigger "Wait"/ })).toHaveCount(2);

  // Continue follows the pause setting again: past the remaining triggers to </think>.
  await p.continue.click();
  await expect(p.pauseBanner).toContainText("end of thinking");
  expect(await p.events.filter({ hasText: /^[\d.]+s trigger "Wait"/ }).count()).toBeGreaterThan(2);
  await expect(p.events.filter({ hasText: /^[\d.]+s paused/ })).toHaveCount(3);
  await p.continue.click();
  await expect(p.finalAnswer).toHaveText("6.17");
});

test("chat API (assistant prefill): pause, hint, code and answer work end to end", async ({ page, model }) => {
  const p = new PlaygroundPage(page);
  await p.open();
  await p.setBaseUrl(model.baseUrl);
  await p.setApi("openai-chat");
  await p.pickBundled(PROBLEM);
  await p.setPauseMode("triggers");
  const before = model.requests.length;
  await p.run.click();

  await expect(p.pauseBanner).toContainText(/Paused at trigger .Wait./);
  await p.setPauseMode("never");
  await p.inject.click();
  await expect(p.traceView.getByTestId("code-output").first()).toContainText("result: 6.17");
  await expect(p.finalAnswer).toHaveText("6.17");
  await expect(p.verdict).toContainText("correct");

  const sent = model.requests.slice(before).filter((r) => r.endpoint !== "models");
  expect(sent.length).toBeGreaterThanOrEqual(3); // first stream, the code after the hint, the rest
  expect(sent.every((r) => r.endpoint === "chat" && r.path.endsWith("/v1/chat/completions"))).toBe(true);
  // The continuation after the code carried the hint and the real output in the assistant prefill.
  expect(sent.some((r) => r.prompt?.includes("```output\nresult: 6.17\n```"))).toBe(true);
});

test("a server that ignores stop strings still pauses exactly at the trigger", async ({ page, model }) => {
  const p = new PlaygroundPage(page);
  await p.open();
  await p.pickBundled(PROBLEM);
  await p.setPauseMode("triggers");

  // Reference: a server that honours `stop` ends the stream just before "Wait".
  await p.setBaseUrl(model.baseUrl);
  let from = model.requests.length;
  await p.run.click();
  await expect(p.pauseBanner).toContainText(/Paused at trigger .Wait./);
  const offset = await p.pauseOffset();
  const text = await p.traceView.innerText();
  const honoured = model.requests.slice(from).find((r) => r.endpoint === "completions")!;
  await honoured.settled;
  expect(honoured.stopReason).toBe("Wait");
  await p.stop.click();

  // The same run against /nostop: the server streams on past the trigger; the page cuts there.
  await p.setBaseUrl(`${model.url}/nostop/v1`);
  from = model.requests.length;
  await p.run.click();
  await expect(p.pauseBanner).toContainText(/Paused at trigger .Wait./);
  expect(await p.pauseOffset()).toBe(offset);
  expect(await p.traceView.innerText()).toBe(text);
  const ignored = model.requests.slice(from).find((r) => r.endpoint === "completions")!;
  await ignored.settled;
  expect(ignored.ignoreStop).toBe(true);
  expect(ignored.text).toMatch(/\bWait\b/);

  // And it goes on correctly from there.
  await p.setPauseMode("never");
  await p.continue.click();
  await expect(p.finalAnswer).toHaveText("6.17");
});

// An app server of its own, started without any model configuration.
function startUnconfiguredApp(): Promise<NextServer> {
  return startNextServer({
    HINTLAB_BASE_URL: "",
    HINTLAB_MODEL: "",
    HINTLAB_API_KEY: "",
    OPENAI_API_KEY: "",
    // A model server was chosen but not given: without this the local model would be the default
    // (that path is e2e/local-model.spec.ts).
    HINTLAB_PROVIDER: "openai-completions",
    HINTLAB_DATA_DIR: "test-results/e2e-data-unconfigured",
  });
}

test("with a server provider but no base URL the page opens and says how to connect one; an admin's connection chosen in Model settings works", async ({ page }) => {
  test.setTimeout(120_000);
  const app = await startUnconfiguredApp();
  try {
    const config = (await (await fetch(`${app.url}/api/config`)).json()) as { configured: boolean };
    expect(config.configured).toBe(false);

    const p = new PlaygroundPage(page);
    await page.goto(app.url);
    await expect(page.getByTestId("sandbox-status")).toContainText("ready", { timeout: 30_000 });
    const notice = page.getByTestId("connect-notice");
    await expect(notice).toContainText("No model is connected");
    await expect(notice).toContainText("HINTLAB_BASE_URL");
    await expect(notice).toContainText("HINTLAB_MODEL");
    await expect(notice).toContainText("Model connections");
    // The settings the notice points to are already open.
    await expect(page.getByTestId("model-settings")).toHaveAttribute("open", "");
    await expect(page.getByTestId("model-settings").locator("summary")).toContainText("not connected");

    // Running anyway says what is missing instead of failing silently.
    await p.pickBundled(PROBLEM);
    await p.setPauseMode("never");
    await p.run.click();
    await expect(page.getByTestId("error-banner")).toContainText("No model server is configured");

    // Following the notice: the admin (the loopback local user) adds the server in Settings…
    const settingsPage = await page.context().newPage();
    await settingsPage.goto(`${app.url}/settings`);
    await settingsPage.getByTestId("new-connection-name").fill("scripted");
    await settingsPage.getByTestId("new-connection-url").fill(`${MODEL_URL}/v1`);
    await settingsPage.getByTestId("new-connection-model").fill("scripted-r1");
    await settingsPage.getByTestId("add-connection").click();
    await expect(settingsPage.getByTestId("connection-row").filter({ hasText: "scripted" })).toContainText(`${MODEL_URL}/v1`);
    await settingsPage.close();

    // …and the playground chooses it (reopening Model settings fetches the list again).
    const settings = page.getByTestId("model-settings");
    await settings.locator("summary").click();
    await settings.locator("summary").click();
    await page.getByTestId("connection").selectOption({ label: `scripted — ${MODEL_URL}/v1` });
    await page.getByTestId("template").selectOption("deepseek-r1");
    await expect(notice).toBeHidden();
    await p.run.click();
    await expect(p.finalAnswer).toHaveText("6.17", { timeout: 60_000 });
  } finally {
    await app.stop();
  }
});
