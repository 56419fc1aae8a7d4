import { test as base, expect, type APIRequestContext, type Page } from "@playwright/test";
import { startScriptedServer, type ScriptedServer } from "./fixtures/scripted-server";
import { PlaygroundPage } from "./pages/playground";
import { R1_ROW, seedR1Trace, storedTrace, TraceDetailPage } from "./pages/trace-detail";

// Issue 13, item 4, "correct and continue": an edit of the model's thinking on a stored trace,
// then "Continue from here": a fork starts from the corrected text and the model writes the rest,
// live, with the usual pauses. The model server is this spec's own scripted server, so the test
// reads the prompts it received.

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

// A real R1-distill trace (MATH 1591, Dr. Fu Manchu, gold 6.17) whose thinking writes the
// compound-interest formula wrongly: `^n t` where it means `^{nt}`.
const ROW = R1_ROW;
const WRONG = "\\[ A = P \\left(1 + \\frac{r}{n}\\right)^n t \\]";
const RIGHT = "\\[ A = P \\left(1 + \\frac{r}{n}\\right)^{nt} \\]";
const START = ROW.completion.indexOf(WRONG);
const END = START + WRONG.length;
/** What the fork's first request must send: the recorded prompt, the model's text before the edit, the correction. */
const CORRECTED = ROW.prompt + ROW.completion.slice(0, START) + RIGHT;

/** A model connection to this spec's scripted server (the loopback local user is an admin). */
async function connectionTo(request: APIRequestContext, model: ScriptedServer, provider: "openai-completions" | "openai-chat"): Promise<string> {
  const res = await request.post("/api/connections", {
    data: { name: `continue-edit ${provider} ${Date.now().toString(36)}`, provider, baseUrl: model.baseUrl, model: "scripted-r1", template: "raw" },
  });
  expect(res.status()).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/** The finished trace as recorded, on `connection`, pausing at the end of thinking only. */
const seedTrace = (request: APIRequestContext, model: ScriptedServer, connection: string, provider: "openai-completions" | "openai-chat") =>
  seedR1Trace(request, "continue-e2e", {}, {
    provider,
    connection,
    baseUrl: model.baseUrl,
    template: "raw",
    policy: { type: "manual", pauseAtTriggers: false, pauseAtEndOfThinking: true },
  });

/** Select [start, end) of model segment 1 in the exact view, wherever its blocks and highlights split the text. */
async function selectModelText(page: Page, start: number, end: number): Promise<void> {
  const t = new TraceDetailPage(page);
  await t.setView("exact");
  await page.locator('[data-seg-index="1"]').evaluate(
    (seg, [s, e]) => {
      const blocks = [...seg.querySelectorAll<HTMLElement>("[data-block-start]")].filter((b) => Number(b.dataset.blockStart) <= s!);
      const block = blocks.reduce((a, b) => (Number(b.dataset.blockStart) > Number(a.dataset.blockStart) ? b : a));
      const at = (offset: number): [Node, number] => {
        const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
        let left = offset - Number(block.dataset.blockStart);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          const len = n.textContent!.length;
          if (left <= len) return [n, left];
          left -= len;
        }
        throw new Error(`offset ${offset} is past the block`);
      };
      const r = document.createRange();
      r.setStart(...at(s!));
      r.setEnd(...at(e!));
      getSelection()!.removeAllRanges();
      getSelection()!.addRange(r);
    },
    [start, end],
  );
  await page.locator(".trace-wrap").dispatchEvent("mouseup");
  await expect(page.getByTestId("selection")).toContainText(`${start}–${end}`);
}

test("edit a sentence of the thinking, continue from here: the fork streams from the corrected text, the prompt ends with exactly it, </think> once where the model writes it", async ({
  page,
  request,
  model,
}) => {
  const connection = await connectionTo(request, model, "openai-completions");
  const id = await seedTrace(request, model, connection, "openai-completions");
  const t = new TraceDetailPage(page);
  await t.open(id);
  await selectModelText(page, START, END);
  await expect(page.getByTestId("selection").locator("blockquote")).toHaveText(WRONG);
  await t.typeReplacement(RIGHT);
  await t.saveEdit.click();
  await expect(t.editDialog).toHaveCount(0);
  const edit = page.getByTestId("edit");
  await expect(edit).toContainText("^{nt}");

  const before = model.requests.length;
  await edit.getByTestId("continue-from-edit").click();
  // One click: the fork opens in the playground and generates at once, on the trace's own connection.
  await expect(page).toHaveURL(/\/\?trace=.*&continue=1/);
  const forkId = new URL(page.url()).searchParams.get("trace")!;
  const p = new PlaygroundPage(page);
  // The usual pauses: this trace pauses at the end of thinking.
  await expect(p.pauseBanner).toContainText("end of thinking", { timeout: 30_000 });
  await expect(p.traceView.locator('[data-kind="edit"]')).toHaveCount(1);
  await expect(p.traceView.locator('[data-kind="edit"]')).toHaveAttribute("title", /^edited by local; original: /);

  const sent = () => model.requests.slice(before).filter((r) => r.endpoint === "completions");
  const first = sent()[0]!;
  // The whole prompt, byte for byte: the template's prompt and the corrected text, nothing after it.
  expect(first.prompt).toBe(CORRECTED);
  expect(first.prompt!.endsWith(RIGHT)).toBe(true);
  expect(first.stop).toContain("</think>");
  expect(first.text.length).toBeGreaterThan(500);
  expect(first.text).not.toContain("</think>");

  await p.continue.click();
  await expect(p.finalAnswer).toHaveText("6.17", { timeout: 30_000 });
  await expect(p.verdict).toContainText("correct");
  await expect(p.verdict).not.toContainText("incorrect");
  await expect.poll(async () => ((await storedTrace(request, forkId)) as { status?: string }).status).toBe("finished");
  const [, second] = sent();
  // Continuing writes the cut marker back: the next prompt ends with it, after the model's own text.
  expect(second!.prompt).toBe(CORRECTED + first.text + "</think>");

  const fork = (await storedTrace(request, forkId)) as Omit<Awaited<ReturnType<typeof storedTrace>>, "segments"> & {
    parentId: string;
    forkAt: { segment: number; offset: number; edit?: { id: string; author: string } };
    segments: { kind: string; text: string; editId?: string; author?: string }[];
  };
  const text = fork.segments.map((s) => s.text).join("");
  // The fork is the corrected prefix and then exactly what the model server sent, with the marker
  // where the model wrote it (its first stream stopped there): once.
  expect(text).toBe(CORRECTED + first.text + "</think>" + second!.text);
  expect(text.split("</think>")).toHaveLength(2);
  expect(text.indexOf("</think>")).toBe(CORRECTED.length + first.text.length);
  expect(fork.segments.slice(0, 3).map((s) => [s.kind, s.text])).toEqual([
    ["prompt", ROW.prompt],
    ["model", ROW.completion.slice(0, START)],
    ["edit", RIGHT],
  ]);
  expect(fork.segments[2]).toMatchObject({ author: "local" });
  expect(fork.segments.slice(3).every((s) => s.kind === "model")).toBe(true);
  expect(fork.parentId).toBe(id);

  // The edit record stays on both traces: on the parent as it was, on the fork as its text and forkAt.
  const parent = await storedTrace(request, id);
  expect(parent.edits).toEqual([expect.objectContaining({ start: START, end: END, original: WRONG, replacement: RIGHT })]);
  expect(parent.segments.map((s) => s.text)).toEqual([ROW.prompt, ROW.completion]);
  expect(fork.forkAt).toEqual({ segment: 1, offset: END, edit: { id: parent.edits![0]!.id, author: "local" } });
  expect(fork.segments[2]!.editId).toBe(parent.edits![0]!.id);

  // The fork tree links the two and says what the branch is.
  await t.open(forkId);
  await expect(page.getByTestId("continued-from-edit")).toContainText("continued from local’s edit");
  await expect(page.getByTestId("fork-node")).toHaveCount(2);
  const node = page.locator(`[data-testid="fork-node"][data-trace-id="${forkId}"]`);
  await expect(node.locator('[data-fork-kind="edit"]')).toContainText(`continued from local’s edit (segment 1 @ offset ${END})`);
});

test("continue from an edit of a trace that ran on a chat endpoint is refused on the trace page, saying to use completions", async ({ page, request, model }) => {
  const connection = await connectionTo(request, model, "openai-chat");
  const id = await seedTrace(request, model, connection, "openai-chat");
  const { version } = await storedTrace(request, id);
  const made = await request.post(`/api/traces/${id}/edits`, { data: { baseVersion: version, edit: { segment: 1, start: START, end: END, replacement: RIGHT } } });
  expect(made.ok()).toBe(true);
  const t = new TraceDetailPage(page);
  await t.open(id);
  const before = model.requests.length;
  await page.getByTestId("edit").getByTestId("continue-from-edit").click();
  await expect(page.getByTestId("fork-error")).toContainText("continuing from an edit needs a raw completions endpoint");
  await expect(page).toHaveURL(new RegExp(`/traces/${id}$`));
  expect((await request.get(`/api/traces/${id}/family`).then((r) => r.json())) as unknown[]).toHaveLength(1);
  expect(model.requests.length).toBe(before);
});
