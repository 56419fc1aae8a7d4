import { expect, test, type APIRequestContext } from "@playwright/test";
import { R1_ROW as ROW, seedR1Trace, storedTrace, TraceDetailPage } from "./pages/trace-detail";

// Issue 10: an annotator in a conflict (someone else saved first, the server answers 409) keeps
// what they typed, can reach Reload, and gets their change re-applied on the latest version or
// both sides to choose from. The other annotator is a direct API write between open and save.
const seedTrace = (request: APIRequestContext) => seedR1Trace(request, "conflict-e2e");

/** Someone else's write, based on the version the server has now (so it lands; the page's version goes stale). */
async function otherAnnotator(request: APIRequestContext, id: string, what: string, method: "post" | "put" | "delete", data: object) {
  const { version } = await storedTrace(request, id);
  const res = await request[method](`/api/traces/${encodeURIComponent(id)}/${what}`, { data: { baseVersion: version, ...data } });
  expect(res.ok()).toBe(true);
  return res.json();
}

test("edit dialog through a 409: the typed replacement is re-applied on the latest version and stored", async ({ page, request }) => {
  const id = await seedTrace(request);
  const t = new TraceDetailPage(page);
  await t.open(id);
  await t.select(25, 45);
  await t.typeReplacement("a clearer sentence");
  // Meanwhile another annotator marks a different span.
  await otherAnnotator(request, id, "annotations", "post", { annotation: { segment: 1, start: 100, end: 120, label: "good tool use", comment: "" } });

  await t.saveEdit.click();
  await expect(t.editDialog).toHaveCount(0);
  await expect(t.notice).toContainText("your change was re-applied to the latest version");
  const stored = await storedTrace(request, id);
  expect(stored.edits).toMatchObject([{ start: 25, end: 45, replacement: "a clearer sentence", original: ROW.completion.slice(25, 45) }]);
  expect(stored.annotations).toMatchObject([{ label: "good tool use", start: 100, end: 120 }]);
  await expect(page.getByTestId("edit")).toContainText("a clearer sentence");
});

test("edit dialog through a 409 that no longer applies: both shown, Reload clickable, the draft survives closing, keep mine", async ({ page, request }) => {
  const id = await seedTrace(request);
  const t = new TraceDetailPage(page);
  await t.open(id);
  await t.select(25, 45);
  await t.typeReplacement("my wording");
  // Meanwhile another annotator edits text overlapping mine.
  const theirs = (await otherAnnotator(request, id, "edits", "post", { edit: { segment: 1, start: 30, end: 60, replacement: "their wording" } })).result as { id: string };

  await t.saveEdit.click();
  const c = t.conflict(t.editDialog);
  await expect(c.card).toContainText("edited this text meanwhile");
  await expect(c.mine).toContainText("my wording");
  await expect(c.theirs).toContainText("their wording");
  await expect(t.replacementEditor()).toContainText("my wording");
  await expect(t.saveEdit).toBeDisabled();
  // Reload is inside the dialog: a real click lands on it (Playwright refuses a covered target).
  await c.reload.click();
  await expect(c.theirs).toContainText("their wording");
  await expect(t.replacementEditor()).toContainText("my wording");

  // Closing is not discarding: the draft waits in the annotation panel, with the conflict.
  await t.closeEdit.click();
  await expect(t.editDialog).toHaveCount(0);
  await expect(page.getByTestId("edit-draft")).toContainText("25–45");
  await page.getByTestId("resume-edit").click();
  await expect(t.replacementEditor()).toContainText("my wording");

  await c.keepMine.click();
  await expect(t.editDialog).toHaveCount(0);
  const stored = await storedTrace(request, id);
  expect(stored.edits).toMatchObject([{ start: 25, end: 45, replacement: "my wording", original: ROW.completion.slice(25, 45) }]);
  expect(stored.edits!.map((e) => e.id)).not.toContain(theirs.id);
});

test("edit dialog through a 409 that no longer applies: take theirs keeps their edit and drops mine", async ({ page, request }) => {
  const id = await seedTrace(request);
  const t = new TraceDetailPage(page);
  await t.open(id);
  await t.select(25, 45);
  await t.typeReplacement("my wording");
  const theirs = (await otherAnnotator(request, id, "edits", "post", { edit: { segment: 1, start: 30, end: 60, replacement: "their wording" } })).result as { id: string };
  await t.saveEdit.click();
  const c = t.conflict(t.editDialog);
  await expect(c.theirs).toContainText("their wording");
  await c.takeTheirs.click();
  await expect(t.editDialog).toHaveCount(0);
  await expect(page.getByTestId("edit-draft")).toHaveCount(0);
  await expect(page.getByTestId("edit")).toContainText("their wording");
  const stored = await storedTrace(request, id);
  expect(stored.edits).toMatchObject([{ id: theirs.id, replacement: "their wording" }]);
});

test("review through a 409: the typed note survives, both reviews are shown, keep mine stores it", async ({ page, request }) => {
  const id = await seedTrace(request);
  const t = new TraceDetailPage(page);
  await t.open(id);
  await t.reviewNote.fill("clean derivation, answer matches gold");
  await otherAnnotator(request, id, "review", "put", { status: "rejected", note: "rounding is wrong" });

  await page.getByTestId("review-accepted").click();
  const c = t.conflict(page.getByTestId("review-bar"));
  await expect(c.card).toContainText("reviewed this trace meanwhile");
  await expect(c.mine).toContainText("accepted");
  await expect(c.mine).toContainText("clean derivation, answer matches gold");
  await expect(c.theirs).toContainText("rejected");
  await expect(c.theirs).toContainText("rounding is wrong");
  await expect(t.reviewNote).toHaveValue("clean derivation, answer matches gold");
  await c.keepMine.click();
  await expect(c.card).toHaveCount(0);
  await expect(t.reviewStatus).toHaveText("accepted");
  expect((await storedTrace(request, id)).review).toMatchObject({ status: "accepted", note: "clean derivation, answer matches gold" });
});

test("mark through a 409: label and comment are re-applied on the latest version", async ({ page, request }) => {
  const id = await seedTrace(request);
  const t = new TraceDetailPage(page);
  await t.open(id);
  await t.select(0, 20);
  await page.getByTestId("annotation-label").fill("repetitive");
  await page.getByTestId("annotation-comment").fill("restates the problem");
  await otherAnnotator(request, id, "tags", "put", { tags: ["checked"] });

  await page.getByTestId("annotate-button").click();
  await expect(t.notice).toContainText("your change was re-applied to the latest version");
  await expect(page.getByTestId("annotation")).toContainText("restates the problem");
  const stored = await storedTrace(request, id);
  expect(stored.annotations).toMatchObject([{ label: "repetitive", comment: "restates the problem", start: 0, end: 20 }]);
  expect(stored.tags).toEqual(["checked"]);
});

test("tags through a 409: the added tag is merged with the one someone else added meanwhile", async ({ page, request }) => {
  const id = await seedTrace(request);
  const t = new TraceDetailPage(page);
  await t.open(id);
  await page.getByTestId("tag-input").fill("gold");
  await otherAnnotator(request, id, "tags", "put", { tags: ["checked"] });
  await page.getByTestId("tag-input").press("Enter");
  await expect(t.notice).toContainText("your change was re-applied to the latest version");
  await expect(page.getByTestId("tag")).toHaveText(["checked×", "gold×"]);
  await expect(page.getByTestId("tag-input")).toHaveValue("");
  expect((await storedTrace(request, id)).tags).toEqual(["checked", "gold"]);
});
