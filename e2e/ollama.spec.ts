import { test as base, expect } from "@playwright/test";
import { startScriptedServer, type ScriptedServer } from "./fixtures/scripted-server";
import { PlaygroundPage } from "./pages/playground";

// Issue 14, item 4: Ollama as a model server of its own. An admin adds this spec's scripted server
// as an Ollama connection in Settings (its native API at the server's root, no /v1), a researcher
// chooses it in Model settings and runs Hint-infer on it: the trace pauses at a trigger (found by
// hintlab in the stream: Ollama would not say which stop matched), a hint is injected, Python
// runs, and the model finishes with the right answer. The server records what it was sent.

const test = base.extend<object, { ollama: ScriptedServer }>({
  ollama: [
    async ({}, use) => {
      const server = await startScriptedServer({ chunksPerSecond: 1500 });
      await use(server);
      await server.close();
    },
    { scope: "worker" },
  ],
});

const PROBLEM = "math-problem_1591"; // MATH 1591 (compound interest, gold 6.17), a real R1-distill trace

test("an Ollama connection added in Settings runs a trace through /api/generate: pause at a trigger, hint, Python, answer", async ({ page, ollama }) => {
  // Settings → Model connections: the Ollama kind brings its own base URL and key hints.
  await page.goto("/settings");
  const panel = page.getByTestId("connections-panel");
  await panel.getByTestId("new-connection-provider").selectOption("ollama");
  await expect(panel.getByTestId("new-connection-url")).toHaveAttribute("placeholder", "http://localhost:11434 (default)");
  await expect(panel.getByTestId("new-connection-model")).toHaveAttribute("placeholder", /ollama list/);
  const name = `ollama e2e ${Date.now().toString(36)}`;
  await panel.getByTestId("new-connection-name").fill(name);
  await panel.getByTestId("new-connection-url").fill(ollama.url);
  await panel.getByTestId("new-connection-model").fill("scripted-r1");
  await panel.locator('select[name="template"]').selectOption("deepseek-r1");
  await panel.getByTestId("add-connection").click();
  const row = panel.getByTestId("connection-row").filter({ hasText: name });
  await expect(row).toContainText("ollama");
  await expect(row).toContainText(ollama.url);

  const p = new PlaygroundPage(page);
  await p.open();
  await p.openModelSettings();
  const option = page.getByTestId("connection").locator("option", { hasText: name });
  await expect(option).toHaveCount(1);
  await page.getByTestId("connection").selectOption((await option.getAttribute("value"))!);
  // Ollama's native API is the only way to call it; its model list comes from /api/tags.
  await expect(page.getByTestId("provider")).toBeDisabled();
  await expect(page.getByTestId("provider")).toHaveValue("ollama");
  const remote = page.getByTestId("model-choice").locator("optgroup").nth(1);
  await expect(remote).toHaveAttribute("label", `Server ${ollama.url}`);
  await expect(remote.locator("option")).toHaveText(["scripted-r1"]);
  expect(ollama.requests.some((r) => r.endpoint === "ollama-tags")).toBe(true);

  const before = ollama.requests.length;
  await p.pickBundled(PROBLEM);
  await p.setPauseMode("triggers");
  await p.run.click();
  await expect(p.pauseBanner).toContainText(/Paused at trigger .Wait./);
  await expect(p.traceView.getByTestId("pause-marker")).toHaveText(/Wait/);

  // What reached "Ollama": the raw prompt, no stop strings, num_predict; closed at the trigger.
  const first = ollama.requests.slice(before).find((r) => r.endpoint === "ollama-generate")!;
  expect(first.body).toMatchObject({ model: "scripted-r1", raw: true, stream: true, options: { num_predict: expect.any(Number) } });
  expect((first.body!.options as Record<string, unknown>).stop).toBeUndefined();
  expect(first.prompt).toContain("Dr. Fu Manchu");
  await first.settled;
  expect(first.aborted).toBe(true);
  expect(first.text).toContain("Wait"); // the server wrote on past the trigger; the page shows the cut

  await expect(p.hintPicker).toBeVisible();
  await p.hintPicker.locator('[data-hint-id="math-complex-calculations"]').click();
  await p.editHint("Wait, let me double-check the compounding with Python.\n```python\n");
  await p.setPauseMode("never");
  await p.inject.click();

  await expect(p.traceView.getByTestId("hint-segment")).toContainText("Wait, let me double-check the compounding with Python.");
  await expect(p.traceView.getByTestId("code-output").first()).toContainText("result: 6.17");
  await expect(p.finalAnswer).toHaveText("6.17", { timeout: 60_000 });
  await expect(p.verdict).toContainText("correct");

  // The saved trace records the API it ran on, and the usage Ollama's done lines reported.
  await expect(page.getByTestId("save-status")).toContainText(/saved/i, { timeout: 15_000 });
  const list = (await (await page.request.get("/api/traces?sort=created")).json()) as { items: { id: string }[] };
  const trace = (await (await page.request.get(`/api/traces/${list.items[0]!.id}`)).json()) as {
    config: { provider: string; baseUrl?: string; model: string };
    events: { type: string; usage?: { promptTokens?: number; completionTokens?: number } }[];
  };
  expect(trace.config).toMatchObject({ provider: "ollama", baseUrl: ollama.url, model: "scripted-r1" });
  expect(trace.events.some((e) => (e.usage?.promptTokens ?? 0) > 0 && (e.usage?.completionTokens ?? 0) > 0)).toBe(true);

  // Every request after the hint continued the same raw prompt on /api/generate, never /v1.
  const later = ollama.requests.slice(before).filter((r) => r.endpoint === "ollama-generate");
  expect(later.length).toBeGreaterThanOrEqual(3);
  expect(later.at(-1)!.prompt).toContain("Wait, let me double-check the compounding with Python.\n```python\n");
  expect(ollama.requests.slice(before).filter((r) => r.endpoint === "completions" || r.endpoint === "chat")).toHaveLength(0);
});

test("a model Ollama does not have says to pull it, in the playground", async ({ page, ollama }) => {
  const created = await page.request.post("/api/connections", {
    data: { name: `ollama missing ${Date.now().toString(36)}`, provider: "ollama", baseUrl: ollama.url, model: "qwq:32b", template: "deepseek-r1" },
  });
  expect(created.status()).toBe(201);
  const id = ((await created.json()) as { id: string }).id;
  const p = new PlaygroundPage(page);
  await p.open();
  await p.openModelSettings();
  await expect(page.getByTestId("connection").locator(`option[value="${id}"]`)).toHaveCount(1);
  await page.getByTestId("connection").selectOption(id);
  await p.pickBundled(PROBLEM);
  await p.run.click();
  const banner = page.getByTestId("error-banner");
  await expect(banner).toContainText("ollama pull qwq:32b");
  await expect(banner).toContainText("It has: scripted-r1.");
});
