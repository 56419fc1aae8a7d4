import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";

// The library's Import button: a JSONL file of real R1-distill completions (e2e/fixtures/data)
// chosen in the file picker, sent as the POST body while the page shows the import's progress,
// then its report, and the list filtered to the imported dataset with the traces in it. Each run
// gives the rows ids and a dataset of its own (the data dir outlives a run, and ids must be new).

const RUN = `import-e2e-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
const FIXTURE = path.resolve(import.meta.dirname, "fixtures/data/r1-distill-math-40.jsonl");
/** The fixture's first rows as they are, but for their ids. */
function fixtureLines(n: number, tag: string): { ids: string[]; text: string } {
  const rows = readFileSync(FIXTURE, "utf8").trim().split("\n").slice(0, n).map((l) => JSON.parse(l) as { id: string });
  const ids = rows.map((r) => `${RUN}-${tag}/${r.id}`);
  return { ids, text: rows.map((r, i) => JSON.stringify({ ...r, id: ids[i] })).join("\n") + "\n" };
}

const rows = (page: Page) => page.getByTestId("trace-row");

test("Import… sends the chosen file, shows its progress and report, and lists the imported traces", async ({ page }) => {
  const { ids, text } = fixtureLines(8, "a");
  await page.goto("/traces");
  await page.getByLabel("Dataset of the imported traces").fill(RUN);
  // Hold the upload until the page has shown that it is running (a file this small is imported
  // faster than a poll), then let it through to the server unchanged.
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  await page.route("**/api/traces/import?*", async (route) => {
    if (route.request().method() === "POST") await held;
    await route.continue();
  });
  await page.getByTestId("import-file").setInputFiles({ name: "r1-distill-8.jsonl", mimeType: "application/x-ndjson", buffer: Buffer.from(text) });
  await expect(page.getByTestId("import-progress")).toContainText("r1-distill-8.jsonl: reading");
  await expect(page.getByTestId("import-button")).toBeDisabled();
  await expect(page.getByTestId("import-button")).toHaveText("Importing…");
  release();

  await expect(page.getByTestId("import-status")).toHaveText("8 of 8 traces imported from r1-distill-8.jsonl");
  await expect(page.getByTestId("import-progress")).toHaveCount(0);
  await expect(page.getByTestId("import-button")).toBeEnabled();
  // The list now shows the imported dataset, newest first: exactly the file's traces.
  await expect(page).toHaveURL(new RegExp(`dataset=${RUN}`));
  await expect(page.getByTestId("trace-count")).toHaveText("8 traces");
  expect((await rows(page).evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-trace-id")))).sort()).toEqual([...ids].sort());

  // One opens: its text is the fixture's completion.
  const first = JSON.parse(text.split("\n")[0]!) as { completion: string };
  await page.locator(`[data-testid="trace-row"][data-trace-id="${ids[0]}"]`).getByRole("link").first().click();
  await expect(page.getByTestId("trace-view")).toContainText(first.completion.slice(0, 80));
});

test("a file with a broken line keeps its valid lines and says how many failed", async ({ page }) => {
  const { ids, text } = fixtureLines(3, "b");
  const lines = text.trim().split("\n");
  const broken = [lines[0], '{"id": "not a trace"', lines[1], lines[2]].join("\n") + "\n";
  await page.goto("/traces");
  await page.getByLabel("Dataset of the imported traces").fill(`${RUN}-b`);
  await expect(page.getByTestId("import-mode")).toHaveValue("valid-lines");
  await page.getByTestId("import-file").setInputFiles({ name: "broken.jsonl", mimeType: "application/x-ndjson", buffer: Buffer.from(broken) });
  await expect(page.getByTestId("import-status")).toHaveText("3 of 4 traces imported from broken.jsonl; 1 line failed");
  await expect(page.getByTestId("trace-count")).toHaveText("3 traces");
  expect((await rows(page).evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-trace-id")))).sort()).toEqual([...ids].sort());

  // All or nothing: the same file imports nothing (and its ids are still free for a retry).
  const again = broken.replaceAll(`${RUN}-b/`, `${RUN}-c/`);
  await page.getByTestId("import-mode").selectOption("all-or-nothing");
  await page.getByLabel("Dataset of the imported traces").fill(`${RUN}-c`);
  await page.getByTestId("import-file").setInputFiles({ name: "broken.jsonl", mimeType: "application/x-ndjson", buffer: Buffer.from(again) });
  await expect(page.getByTestId("import-error")).toContainText("Import failed");
  const res = await page.request.get(`/api/traces?dataset=${RUN}-c`);
  expect(((await res.json()) as { total: number }).total).toBe(0);
});
