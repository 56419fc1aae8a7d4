import { expect, test, type APIRequestContext } from "@playwright/test";
import { PlaygroundPage } from "./pages/playground";

// The Hint-Library panel: built-ins are read-only and duplicated to change; the user's hints are
// saved on the server (HINTLAB_DATA_DIR of the e2e app), offered in the picker, kept across
// reloads, validated before saving, and deletable.

const PROBLEM = "math-problem_1591";

type StoredHint = { id: string; kinds: string[]; title: string; text: string; builtIn: boolean };

async function userHints(request: APIRequestContext): Promise<StoredHint[]> {
  const body = (await (await request.get("/api/hints")).json()) as { hints: StoredHint[] };
  return body.hints.filter((h) => !h.builtIn);
}

async function saveUserHints(request: APIRequestContext, hints: Omit<StoredHint, "builtIn">[]): Promise<void> {
  const res = await request.put("/api/hints", { data: { hints } });
  expect(res.ok(), await res.text()).toBe(true);
}

// Every test starts from an empty set of user hints (the data dir outlives a test run).
test.beforeEach(async ({ request }) => saveUserHints(request, []));
test.afterAll(async ({ request }) => saveUserHints(request, []));

test("a duplicated built-in, edited and saved, is offered as yours at the next pause and survives a reload", async ({ page, request }) => {
  const p = new PlaygroundPage(page);
  await p.open();
  await p.openHintLibrary();
  const builtIn = p.hintRow("math-general");
  await expect(builtIn).toContainText("built-in");
  await expect(builtIn.getByRole("button", { name: "Delete" })).toHaveCount(0);
  await builtIn.getByRole("button", { name: "Duplicate" }).click();

  await expect(p.hintForm).toBeVisible();
  await expect(p.hintForm.getByLabel("Id")).toHaveValue("math-general-copy");
  await p.hintForm.getByLabel("Title").fill("Numeric check");
  await p.replaceMonacoText(p.hintForm, "Wait, let me check this numerically in Python first.\n```python\n");
  await p.hintForm.getByTestId("save-hint").click();
  await expect(p.hintForm).toBeHidden();
  const mine = p.hintRow("math-general-copy");
  await expect(mine).toContainText("Numeric check");
  await expect(mine).toContainText("yours");
  // The built-in is untouched.
  await expect(builtIn).toContainText("built-in");

  // At the next pause the picker offers it, marked as yours; injected, it is the edited text.
  await p.pickBundled(PROBLEM);
  await p.setPauseMode("triggers");
  await p.run.click();
  await expect(p.pauseBanner).toContainText(/Paused at trigger .Wait./);
  const option = p.hintPicker.locator('[data-hint-id="math-general-copy"]');
  await expect(option).toContainText("Numeric check");
  await expect(option).toContainText("yours");
  await expect(p.hintPicker.locator('[data-hint-id="math-general"]')).not.toContainText("yours");
  await option.click();
  await p.setPauseMode("never");
  await p.inject.click();
  await expect(p.traceView.getByTestId("hint-segment")).toContainText("hint · math-general-copy");
  await expect(p.traceView.getByTestId("hint-segment")).toContainText("Wait, let me check this numerically in Python first.");
  await expect(p.traceView.getByTestId("code-output").first()).toContainText("result: 6.17");

  // Saved on the server: still there after a reload.
  await page.reload();
  await expect(page.getByTestId("sandbox-status")).toContainText("ready", { timeout: 30_000 });
  await p.openHintLibrary();
  await expect(p.hintRow("math-general-copy")).toContainText("yours");
  expect(await userHints(request)).toEqual([
    expect.objectContaining({ id: "math-general-copy", title: "Numeric check", text: "Wait, let me check this numerically in Python first.\n```python\n" }),
  ]);
});

test("a hint without the closing opened fence is refused with the reason, and nothing saved is lost", async ({ page, request }) => {
  const saved = { id: "my-check", kinds: ["math"], title: "My check", text: "Wait, let me verify with Python.\n```python\n" };
  const other = { id: "my-other", kinds: ["math", "free"], title: "My other", text: "Alternatively, compute it in Python.\n```python\n" };
  await saveUserHints(request, [saved, other]);
  const p = new PlaygroundPage(page);
  await p.open();
  await p.openHintLibrary();
  await p.hintRow("my-check").getByRole("button", { name: "Edit" }).click();
  await expect(p.hintForm.getByLabel("Id")).toHaveValue("my-check");
  await p.replaceMonacoText(p.hintForm, "Wait, let me verify with Python.");
  await p.hintForm.getByTestId("save-hint").click();

  await expect(p.hintLibrary.getByRole("alert")).toContainText("must end with an opened ```python fence");
  // The form stays open with the user's text, so it can be fixed rather than retyped.
  await expect(p.hintForm).toBeVisible();
  await expect(p.hintForm.locator(".monaco-editor .view-lines")).toContainText("Wait, let me verify with Python.");
  expect(await userHints(request)).toEqual([expect.objectContaining(saved), expect.objectContaining(other)]);

  // A new hint with an invalid id is refused too, and the list stays as it was.
  await p.page.getByTestId("new-hint").click();
  await p.hintForm.getByLabel("Id").fill("Not An Id");
  await p.hintForm.getByTestId("save-hint").click();
  await expect(p.hintLibrary.getByRole("alert")).toContainText("lower-case letters, digits and dashes");

  await page.reload();
  await expect(page.getByTestId("sandbox-status")).toContainText("ready", { timeout: 30_000 });
  await p.openHintLibrary();
  await expect(p.hintRow("my-check")).toContainText("yours");
  await expect(p.hintRow("my-other")).toContainText("yours");
  expect(await userHints(request)).toEqual([expect.objectContaining(saved), expect.objectContaining(other)]);
});

test("deleting a hint of yours removes it from the library, the picker and the server", async ({ page, request }) => {
  const doomed = { id: "my-doomed", kinds: ["math"], title: "Doomed hint", text: "Wait, Python again.\n```python\n" };
  const kept = { id: "my-kept", kinds: ["math"], title: "Kept hint", text: "Wait, Python once more.\n```python\n" };
  await saveUserHints(request, [doomed, kept]);
  const p = new PlaygroundPage(page);
  await p.open();
  await p.openHintLibrary();
  await expect(p.hintRow("my-doomed")).toBeVisible();
  await p.hintRow("my-doomed").getByRole("button", { name: "Delete" }).click();
  await expect(p.hintRow("my-doomed")).toHaveCount(0);
  await expect(p.hintRow("my-kept")).toContainText("yours");
  expect((await userHints(request)).map((h) => h.id)).toEqual(["my-kept"]);

  await p.pickBundled(PROBLEM);
  await p.setPauseMode("triggers");
  await p.run.click();
  await expect(p.pauseBanner).toContainText(/Paused at trigger .Wait./);
  await expect(p.hintPicker.locator('[data-hint-id="my-kept"]')).toBeVisible();
  await expect(p.hintPicker.locator('[data-hint-id="my-doomed"]')).toHaveCount(0);

  await page.reload();
  await expect(page.getByTestId("sandbox-status")).toContainText("ready", { timeout: 30_000 });
  await p.openHintLibrary();
  await expect(p.hintRow("my-doomed")).toHaveCount(0);
  await expect(p.hintRow("my-kept")).toBeVisible();
});
