import { expect, type Locator, type Page } from "@playwright/test";

/** Page object of the playground: its stable data-testid anchors (docs/architecture.md, "UI anchors for tests"). */
export class PlaygroundPage {
  readonly problem: Locator;
  readonly run: Locator;
  readonly stop: Locator;
  readonly continue: Locator;
  readonly step: Locator;
  readonly traceView: Locator;
  readonly pauseBanner: Locator;
  readonly hintPicker: Locator;
  readonly inject: Locator;
  readonly finalAnswer: Locator;
  readonly verdict: Locator;
  readonly phase: Locator;

  constructor(readonly page: Page) {
    this.problem = page.getByTestId("problem-input");
    this.run = page.getByTestId("run-button");
    this.stop = page.getByTestId("stop-button");
    this.continue = page.getByTestId("continue-button");
    this.step = page.getByTestId("step-button");
    this.traceView = page.getByTestId("trace-view");
    this.pauseBanner = page.getByTestId("pause-banner");
    this.hintPicker = page.getByTestId("hint-picker");
    this.inject = page.getByTestId("inject-button");
    this.finalAnswer = page.getByTestId("final-answer");
    this.verdict = page.getByTestId("verdict");
    this.phase = page.getByTestId("phase");
  }

  async open(): Promise<void> {
    await this.page.goto("/");
    await expect(this.page.getByTestId("sandbox-status")).toContainText("ready", { timeout: 30_000 });
  }

  async pickBundled(id: string): Promise<void> {
    await this.page.getByTestId("bundled-problem").selectOption(id);
    await expect(this.problem).not.toHaveValue("");
  }

  async setPauseMode(mode: "triggers" | "end" | "both" | "never"): Promise<void> {
    await this.page.getByTestId("pause-mode").selectOption(mode);
  }

  /**
   * Talk to the model server at `url`: as an admin would (the loopback local user is one), add it
   * as a connection on the server, then choose it in Model settings (the browser never sends a URL).
   */
  async setBaseUrl(url: string, model = "scripted-r1", template = "deepseek-r1"): Promise<void> {
    const name = `e2e ${url}`;
    const created = await this.page.request.post("/api/connections", { data: { name, baseUrl: url, model, template } });
    let id: string | undefined;
    if (created.status() === 201) id = ((await created.json()) as { id: string }).id;
    else {
      const list = (await (await this.page.request.get("/api/connections")).json()) as { connections: { id: string; name: string }[] };
      id = list.connections.find((c) => c.name === name)?.id;
    }
    if (!id) throw new Error(`could not add the connection ${url}: ${created.status()} ${await created.text()}`);
    // Opening Model settings fetches the connection list again.
    const settings = this.page.getByTestId("model-settings");
    if ((await settings.getAttribute("open")) !== null) await settings.locator("summary").click();
    await settings.locator("summary").click();
    await expect(this.page.getByTestId("connection").locator(`option[value="${id}"]`)).toHaveCount(1);
    await this.page.getByTestId("connection").selectOption(id);
  }

  /** Replace the hint editor's text (Monaco): select all, type. */
  async editHint(text: string): Promise<void> {
    await this.replaceMonacoText(this.page.getByTestId("hint-editor"), text);
  }

  /** Replace the text of the Monaco editor inside `container`. */
  async replaceMonacoText(container: Locator, text: string): Promise<void> {
    const editor = container.locator(".monaco-editor").first();
    await editor.click();
    await this.page.keyboard.press("ControlOrMeta+A");
    await this.page.keyboard.press("Delete");
    await this.page.keyboard.insertText(text);
  }

  /** Type a problem of one's own (not a bundled one). */
  async typeProblem(statement: string, options: { kind?: "math" | "code" | "free"; gold?: string } = {}): Promise<void> {
    await this.problem.fill(statement);
    if (options.kind) await this.page.getByTestId("problem-kind").selectOption(options.kind);
    if (options.gold !== undefined) await this.page.getByTestId("gold-input").fill(options.gold);
  }

  async setPolicy(mode: "manual" | "paper" | "greedy" | "budget", rounds?: number): Promise<void> {
    await this.page.getByTestId("policy-mode").selectOption(mode);
    if (rounds !== undefined) await this.page.getByLabel("Rounds").fill(String(rounds));
  }

  /** Budget forcing (s1): min and max thinking tokens (max null: no cap) and the word. */
  async setBudget(budget: { min: number; max: number | null; word?: string }): Promise<void> {
    await this.setPolicy("budget");
    await this.page.getByTestId("budget-min").fill(String(budget.min));
    await this.page.getByTestId("budget-max").fill(budget.max === null ? "" : String(budget.max));
    if (budget.word !== undefined) await this.page.getByTestId("budget-word").fill(budget.word);
  }

  /** The time limit of one code execution, in seconds ("Code time limit (s)"). */
  async setToolTimeout(seconds: number): Promise<void> {
    await this.page.getByTestId("tool-timeout").fill(String(seconds));
  }

  async openModelSettings(): Promise<void> {
    const settings = this.page.getByTestId("model-settings");
    if ((await settings.getAttribute("open")) === null) await settings.locator("summary").click();
    await expect(this.page.getByTestId("connection")).toBeVisible();
  }

  /** The Model settings "API" select: raw completions or chat with assistant prefill. */
  async setApi(provider: "openai-completions" | "openai-chat"): Promise<void> {
    await this.openModelSettings();
    await this.page.getByTestId("provider").selectOption(provider);
  }

  /** The rows of the events panel. */
  get events(): Locator {
    return this.page.getByTestId("events-panel").getByTestId("event");
  }

  /** The character offset the pause banner names ("… at character 1,234."). */
  async pauseOffset(): Promise<number> {
    const text = await this.pauseBanner.innerText();
    const m = /at character ([\d,]+)/.exec(text);
    if (!m) throw new Error(`no offset in the pause banner: ${text}`);
    return Number(m[1]!.replace(/[^\d]/g, ""));
  }

  /**
   * Start recording whether an element with this test id ever appears (a MutationObserver in the
   * page), so a test can assert that something never showed up, not only that it is gone now.
   */
  async watchFor(testId: string): Promise<void> {
    await this.page.evaluate((id) => {
      const w = window as unknown as { __seen?: Record<string, boolean> };
      w.__seen ??= {};
      w.__seen[id] = document.querySelector(`[data-testid="${id}"]`) !== null;
      new MutationObserver(() => {
        if (document.querySelector(`[data-testid="${id}"]`)) w.__seen![id] = true;
      }).observe(document.body, { childList: true, subtree: true });
    }, testId);
  }

  async wasSeen(testId: string): Promise<boolean> {
    return this.page.evaluate((id) => Boolean((window as unknown as { __seen?: Record<string, boolean> }).__seen?.[id]), testId);
  }

  // Hint-Library panel ------------------------------------------------------------------------

  get hintLibrary(): Locator {
    return this.page.getByTestId("hint-library");
  }

  async openHintLibrary(): Promise<void> {
    if ((await this.hintLibrary.getAttribute("open")) === null) await this.hintLibrary.locator("summary").click();
    await expect(this.hintLibrary.locator("li").first()).toBeVisible();
  }

  /** The library row of the hint with exactly this id. */
  hintRow(id: string): Locator {
    return this.hintLibrary.locator("li").filter({ has: this.page.locator("code", { hasText: new RegExp(`^${id}$`) }) });
  }

  get hintForm(): Locator {
    return this.page.getByTestId("hint-form");
  }
}
