import { expect, type Locator, type Page } from "@playwright/test";

/** Page object of the playground: the anchors of DESIGN.md's "UI anchors for tests". */
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

  async setBaseUrl(url: string): Promise<void> {
    const settings = this.page.getByTestId("model-settings");
    if ((await settings.getAttribute("open")) === null) await settings.locator("summary").click();
    await this.page.getByTestId("base-url").fill(url);
  }

  /** Replace the hint editor's text (Monaco): select all, type. */
  async editHint(text: string): Promise<void> {
    const editor = this.page.getByTestId("hint-editor").locator(".monaco-editor").first();
    await editor.click();
    await this.page.keyboard.press("ControlOrMeta+A");
    await this.page.keyboard.press("Delete");
    await this.page.keyboard.insertText(text);
  }
}
