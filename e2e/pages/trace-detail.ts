import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, type APIRequestContext, type Locator, type Page } from "@playwright/test";

/** The first R1-distill record of the e2e fixtures: a real completion to annotate. */
export const R1_ROW = JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../fixtures/data/r1-distill-math-40.jsonl"), "utf8").split("\n")[0]!) as {
  id: string;
  problem: string;
  prompt: string;
  completion: string;
  gold_answer: string;
};

/**
 * A finished trace of R1_ROW, saved as the playground saves one, under a fresh id starting with
 * `prefix`; `over` replaces fields of the body, `config` fields of its config.
 */
export async function seedR1Trace(request: APIRequestContext, prefix: string, over: Record<string, unknown> = {}, config: Record<string, unknown> = {}): Promise<string> {
  const id = `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
  const res = await request.post("/api/traces", {
    data: {
      id,
      problem: { id: R1_ROW.id, kind: "math", statement: R1_ROW.problem, gold: R1_ROW.gold_answer, source: "MATH" },
      config: {
        provider: "scripted",
        model: "scripted-r1",
        template: "deepseek-r1",
        sampling: { maxTokens: 32768 },
        triggers: ["Wait"],
        policy: { type: "greedy" },
        maxToolCalls: 6,
        toolTimeoutMs: 10_000,
        maxOutputChars: 4000,
        hintLibraryVersion: "e2e",
        policySeed: 0,
        ...config,
      },
      segments: [
        { id: "s0", kind: "prompt", text: R1_ROW.prompt },
        { id: "s1", kind: "model", text: R1_ROW.completion },
      ],
      events: [{ type: "run-started", at: 1 }],
      status: "finished",
      ...over,
    },
  });
  expect(res.status()).toBe(201);
  return id;
}

/** Page object of one saved trace (/traces/:id): selection, the edit dialog, marks, review. */
export class TraceDetailPage {
  readonly editDialog: Locator;
  readonly saveEdit: Locator;
  readonly closeEdit: Locator;
  readonly notice: Locator;
  readonly reviewNote: Locator;
  readonly reviewStatus: Locator;

  constructor(readonly page: Page) {
    this.editDialog = page.getByTestId("edit-dialog");
    this.saveEdit = page.getByTestId("save-edit");
    this.closeEdit = page.getByTestId("close-edit");
    this.notice = page.getByTestId("write-notice");
    this.reviewNote = page.getByTestId("review-note");
    this.reviewStatus = page.getByTestId("review-status");
  }

  async open(id: string): Promise<void> {
    await this.page.goto(`/traces/${encodeURIComponent(id)}`);
    await expect(this.page.getByTestId("trace-view")).toBeVisible();
  }

  /** Switch the trace view to one reading view (button; the choice is remembered per trace). */
  async setView(view: "rendered" | "exact"): Promise<void> {
    await this.page.getByTestId(`view-${view}`).click();
    await expect(this.page.getByTestId("trace-view")).toHaveAttribute("data-view", view);
  }

  /**
   * Select [start, end) of the first text block of model segment `segment`, as a mouse drag would,
   * in the exact view (where the block's first child is its text; the rendered view's selection is
   * tested on its own in e2e/reading.spec.ts).
   */
  async select(start: number, end: number, segment = 1): Promise<void> {
    if ((await this.page.getByTestId("trace-view").getAttribute("data-view")) !== "exact") await this.setView("exact");
    await this.page.locator(`[data-seg-index="${segment}"] [data-block-start="0"]`).evaluate(
      (el, [s, e]) => {
        const tn = el.firstChild!;
        const r = document.createRange();
        r.setStart(tn, s!);
        r.setEnd(tn, e!);
        getSelection()!.removeAllRanges();
        getSelection()!.addRange(r);
      },
      [start, end],
    );
    await this.page.locator(".trace-wrap").dispatchEvent("mouseup");
    await expect(this.page.getByTestId("selection")).toContainText(`${start}–${end}`);
  }

  /** Open the edit dialog on the selection and replace the whole replacement with `text`. */
  async typeReplacement(text: string): Promise<void> {
    await this.page.getByTestId("edit-span-button").click();
    await this.replacementEditor().click();
    await this.page.keyboard.press("ControlOrMeta+A");
    await this.page.keyboard.insertText(text);
    await expect(this.replacementEditor()).toContainText(text);
  }

  /**
   * The right (editable) side of the diff editor: its own lines, not the deleted-lines view zone
   * Monaco may render inside it, which also has the class view-lines (CI: a strict-mode clash).
   */
  replacementEditor(): Locator {
    return this.page.getByTestId("edit-diff").locator(".modified .view-lines:not(.line-delete)");
  }

  /** The conflict card inside `scope` (the dialog, the review bar or the page). */
  conflict(scope: Locator | Page = this.page) {
    const card = scope.getByTestId("conflict");
    return {
      card,
      mine: card.getByTestId("conflict-mine"),
      theirs: card.getByTestId("conflict-theirs"),
      keepMine: card.getByTestId("conflict-keep-mine"),
      takeTheirs: card.getByTestId("conflict-take-theirs"),
      reload: card.getByTestId("conflict-reload"),
    };
  }
}

/** The trace as the server has it. */
export async function storedTrace(request: APIRequestContext, id: string): Promise<{
  version: number;
  segments: { text: string }[];
  edits?: { id: string; start: number; end: number; replacement: string; original: string }[];
  annotations?: { label: string; comment: string; start: number; end: number }[];
  review?: { status: string; note?: string };
  tags?: string[];
}> {
  const res = await request.get(`/api/traces/${encodeURIComponent(id)}`);
  expect(res.ok()).toBe(true);
  return res.json();
}
