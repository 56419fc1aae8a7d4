import { expect, test, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { mathDatasetLines } from "./fixtures/math-dataset";
import { startScriptedServer, type ScriptedServer } from "./fixtures/scripted-server";
import { startExposedApp, type ExposedApp } from "./security/exposed-app";

// Issue 13: annotation as team work. A researcher runs a small experiment against the scripted
// model (real recorded R1 traces, sampled), selects Hint-RFT data, and makes a queue of it with
// 50% overlap, claimed on demand; two annotators work through it from the keyboard in their own
// browsers (a lease keeps each off the other's item); the researcher sees progress and agreement,
// adjudicates the disagreement, and the queue's export holds the adjudicated version with authors.

test.describe.configure({ mode: "serial" });

const PASSWORDS = { rita: "rita-password-123", ann: "ann-password-1234", bob: "bob-password-1234" } as const;
type Who = keyof typeof PASSWORDS;

let model: ScriptedServer;
let app: ExposedApp;
const contexts: Partial<Record<Who, BrowserContext>> = {};

async function signedIn(browser: Browser, who: Who): Promise<Page> {
  const context = await browser.newContext({ baseURL: app.url });
  const res = await context.request.post("/api/auth/signin", { data: { name: who, password: PASSWORDS[who] } });
  expect(res.status()).toBe(200);
  contexts[who] = context;
  return context.newPage();
}

test.beforeAll(async () => {
  test.setTimeout(180_000);
  model = await startScriptedServer({ chunksPerSecond: 0 });
  app = await startExposedApp(model.url, "queues");
  for (const [name, role] of [["rita", "researcher"], ["ann", "annotator"], ["bob", "annotator"]] as const) {
    expect(app.users(["add", name, "--role", role, "--password"], PASSWORDS[name]).status).toBe(0);
  }
});

test.afterAll(async () => {
  for (const c of Object.values(contexts)) await c?.close();
  await app?.stop();
  await model?.close();
});

/** Wait for the item page of a queue to show its trace, and return which item it is. */
async function onItem(page: Page): Promise<number> {
  await expect(page).toHaveURL(/\/queues\/[^/]+\/work\/[^/]+$/);
  await expect(page.getByTestId("trace-view")).toBeVisible();
  await expect(page.getByTestId("queue-head")).toBeVisible();
  const text = (await page.getByTestId("queue-head").locator("strong").first().textContent()) ?? "";
  return Number(/Item (\d+)/.exec(text)![1]) - 1;
}

/** Read, mark a sentence, maybe correct one, decide — all from the keyboard; returns when the review is stored. */
async function markAndDecide(page: Page, key: "a" | "x", edit?: string) {
  await page.keyboard.press("j");
  await expect(page.getByTestId("selection")).toBeVisible();
  const marks = await page.getByTestId("annotation").count();
  await page.keyboard.press("m");
  await expect(page.getByTestId("annotation")).toHaveCount(marks + 1);
  if (edit) {
    await page.keyboard.press("j");
    await expect(page.getByTestId("selection")).toBeVisible();
    await page.keyboard.press("e");
    await expect(page.getByTestId("edit-dialog")).toBeVisible();
    // The replacement editor has the focus (Monaco's input element inside its modified side).
    await expect.poll(() => page.evaluate(() => Boolean(document.activeElement?.closest('[data-testid="edit-diff"] .modified')))).toBe(true);
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.insertText(edit);
    await page.keyboard.press("ControlOrMeta+Enter");
    await expect(page.getByTestId("edit-dialog")).toHaveCount(0);
    await expect(page.getByTestId("edit")).toContainText(edit);
  }
  await page.keyboard.press(key);
  await expect(page.getByTestId("assignment-status")).toHaveText(`done: ${key === "a" ? "accepted" : "rejected"}`);
}

test("a queue from a Hint-RFT selection, two annotators from the keyboard, agreement, adjudication, export", async ({ browser }) => {
  test.setTimeout(300_000);
  const rita = await signedIn(browser, "rita");
  const api = rita.request;

  // The researcher's experiment: sampled greedy vs the paper policy, then the Hint-RFT selection.
  const imported = await api.post(`/api/datasets/import?name=queue-e2e`, { headers: { "content-type": "application/x-ndjson" }, data: mathDatasetLines(8).join("\n") + "\n" });
  expect(imported.status()).toBe(200);
  const datasetId = ((await imported.json()) as { dataset: { id: string } }).dataset.id;
  const created = await api.post("/api/experiments", {
    data: { name: "queue source", datasetId, policies: ["greedy", "paper:rounds=1"], samples: 2, temperature: 0.8, seed: 7, concurrency: 4, maxTokens: 32768 },
  });
  expect(created.status()).toBe(201);
  const experimentId = ((await created.json()) as { id: string }).id;
  await expect
    .poll(async () => ((await (await api.get(`/api/experiments/${experimentId}`)).json()) as { status: string }).status, { timeout: 150_000 })
    .toBe("finished");
  const rft = (await (await api.post(`/api/experiments/${experimentId}/rft`, { data: { greedyWrong: "any", minToolCalls: 0 } })).json()) as { selected: unknown[] };
  expect(rft.selected.length).toBeGreaterThanOrEqual(2);

  // The queue, from the selection's page: 50% overlap with 2 annotators, claimed on demand.
  await rita.goto(`/queues/new?rft=${experimentId}`);
  await expect(rita.getByTestId("queue-source-count")).toHaveText(String(rft.selected.length));
  await rita.getByTestId("queue-name").fill("RFT corrections");
  await rita.getByTestId("queue-labels").fill("unreasonable, wrong calculation");
  await expect(rita.getByTestId("queue-annotator-ann")).toBeChecked();
  await expect(rita.getByTestId("queue-annotator-bob")).toBeChecked();
  await expect(rita.getByTestId("queue-annotator-rita")).not.toBeChecked();
  await rita.getByTestId("queue-overlap").fill("50");
  await rita.getByTestId("queue-per-item").fill("2");
  await rita.getByTestId("queue-assignment").selectOption("claim");
  await rita.getByTestId("create-queue").click();
  await expect(rita).toHaveURL(/\/queues\/[0-9a-f-]{36}$/);
  const queueId = rita.url().split("/").at(-1)!;
  const required = async (item: number) => ((await (await api.get(`/api/queues/${queueId}/items/${item}`)).json()) as { required: number }).required;
  const items = rft.selected.length;

  const ann = await signedIn(browser, "ann");
  const bob = await signedIn(browser, "bob");
  await ann.goto("/queues");
  await expect(ann.getByTestId("queue-row")).toHaveCount(1);
  await ann.getByTestId("queue-start").click();
  const annFirst = await onItem(ann);
  await bob.goto(`/queues/${queueId}`);
  // The key works once the page has loaded the queue (its listener is the hydrated page's).
  await expect(bob.getByTestId("queue-start")).toBeVisible();
  await bob.keyboard.press("n");
  const bobFirst = await onItem(bob);
  // ann's lease keeps bob off her item unless it needs two annotators.
  if ((await required(annFirst)) === 1) expect(bobFirst).not.toBe(annFirst);

  // Both work through the queue from the keyboard. On the first item they share, ann corrects a
  // sentence and accepts; bob rejects: that is the disagreement to adjudicate.
  let shared: number | undefined;
  const done: Record<"ann" | "bob", number[]> = { ann: [], bob: [] };
  const work = async (who: "ann" | "bob", page: Page, item: number) => {
    const overlap = (await required(item)) === 2;
    const first = overlap && shared === undefined;
    if (first) shared = item;
    const disagree = overlap && item === shared;
    await markAndDecide(page, who === "bob" && disagree ? "x" : "a", who === "ann" && disagree ? "Let me restate the problem carefully." : undefined);
    done[who].push(item);
  };
  const next = async (page: Page): Promise<number | null> => {
    const before = page.url();
    await page.keyboard.press("n");
    const moved = page.waitForURL((u) => u.toString() !== before, { timeout: 10_000 }).then(() => true, () => false);
    const finished = page.getByTestId("queue-message").waitFor({ timeout: 10_000 }).then(() => false, () => false);
    return (await Promise.race([moved, finished])) && page.url() !== before ? onItem(page) : null;
  };
  // The shared item must be reviewed by ann first for the edit to be hers: she goes first on each round.
  let a: number | null = annFirst;
  let b: number | null = bobFirst;
  while (a !== null || b !== null) {
    if (a !== null) {
      await work("ann", ann, a);
      a = await next(ann);
    }
    if (b !== null) {
      await work("bob", bob, b);
      b = await next(bob);
    }
  }
  expect(shared).toBeDefined();
  const overlapping = (await Promise.all(Array.from({ length: items }, (_, i) => required(i)))).filter((r) => r === 2).length;
  expect(done.ann.length + done.bob.length).toBe(items + overlapping);
  // Every item was reviewed by exactly as many annotators as it needs: leases kept the second
  // annotator off single items while the first had them open.
  for (let i = 0; i < items; i++) expect([done.ann.includes(i), done.bob.includes(i)].filter(Boolean).length).toBe(await required(i));
  expect(new Set(done.ann).size).toBe(done.ann.length);
  expect(new Set(done.bob).size).toBe(done.bob.length);

  // The researcher's view: progress per annotator, agreement, the disagreement.
  await rita.goto(`/queues/${queueId}`);
  await expect(rita.getByTestId("queue-progress-row").filter({ hasText: "ann" }).getByTestId("progress-done")).toHaveText(String(done.ann.length));
  await expect(rita.getByTestId("queue-progress-row").filter({ hasText: "bob" }).getByTestId("progress-done")).toHaveText(String(done.bob.length));
  await expect(rita.getByTestId("queue-agreement")).toContainText(`On ${overlapping} overlapping items`);
  await expect(rita.getByTestId("queue-kappa")).toBeVisible();
  await expect(rita.getByTestId("queue-span-f1").first()).toBeVisible();
  await expect(rita.getByTestId("queue-disagreement")).toHaveCount(1);
  await expect(rita.getByTestId("queue-disagreement")).toContainText("ann: accepted");
  await expect(rita.getByTestId("queue-disagreement")).toContainText("bob: rejected");
  await expect(rita.getByTestId("queue-final")).toContainText(`${items - 1} of ${items} final`);

  // Adjudicate: take ann's version (her decision and her correction).
  await rita.getByTestId("adjudicate-link").click();
  await expect(rita.getByTestId("work-column")).toHaveCount(2);
  await expect(rita.locator('[data-testid="work-column"][data-annotator="ann"]').getByTestId("work-edit")).toContainText("Let me restate the problem carefully.");
  await rita.locator('[data-testid="work-column"][data-annotator="ann"]').getByTestId("choose-version").click();
  await expect(rita.getByTestId("adjudication-saved")).toContainText("ann's version");
  await expect(rita.getByTestId("adjudication-final")).toContainText("adjudicated by rita");

  // Export: accepted in the queue (every item now), edit records with their author and the queue.
  const exported = await api.get(`/api/export?format=edits&queue=${queueId}`);
  expect(exported.status()).toBe(200);
  const records = (await exported.text())
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { author: string; replacement: string; review: string; queue: { id: string; name: string } });
  expect(records).toHaveLength(1);
  expect(records[0]).toMatchObject({ author: "ann", replacement: "Let me restate the problem carefully.", review: "accepted", queue: { id: queueId, name: "RFT corrections" } });
  const library = (await (await api.get(`/api/traces?queue=${queueId}&limit=100`)).json()) as { total: number };
  expect(library.total).toBe(items);
  // The trace's own review is untouched by the queue's work.
  const adjudicated = (await (await api.get(`/api/queues/${queueId}/items/${shared}`)).json()) as { trace: { review?: { status: string }; edits?: unknown[] } };
  expect(adjudicated.trace.review?.status ?? "unreviewed").toBe("unreviewed");
  expect(adjudicated.trace.edits ?? []).toHaveLength(0);
});
