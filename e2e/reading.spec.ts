import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { testTraceConfig } from "../lib/protocol/__fixtures__/trace-config";
import { PlaygroundPage } from "./pages/playground";
import { TraceDetailPage } from "./pages/trace-detail";

// Issue "Reading a trace like a researcher": rendered Markdown and math, the exact view, offsets
// that agree between the two, find in trace, and hostile text that stays text.

type Row = { id: string; problem: string; prompt: string; completion: string; gold_answer: string };
const ROWS: Row[] = readFileSync(path.join(import.meta.dirname, "fixtures/data/r1-distill-math-40.jsonl"), "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => JSON.parse(l) as Row);
// The binomial problem: display math with \[ \] in the statement, a fraction as the answer.
const BINOMIAL = "math-problem_3448";
const ROW = ROWS.find((r) => r.problem.includes("binomial coefficient") && r.completion.includes("\\boxed"))!;

const CONFIG = testTraceConfig({
  provider: "scripted",
  model: "scripted-r1",
  template: "deepseek-r1",
  sampling: { maxTokens: 32768 },
  toolTimeoutMs: 10_000,
  maxOutputChars: 4000,
  hintLibraryVersion: "e2e",
});

async function seed(request: APIRequestContext, body: { statement: string; segments: { kind: string; text: string; [k: string]: unknown }[]; answer?: string }): Promise<string> {
  const id = `reading-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
  const res = await request.post("/api/traces", {
    data: {
      id,
      problem: { id: `p-${id}`, kind: "math", statement: body.statement, gold: "1", source: "e2e" },
      config: CONFIG,
      segments: body.segments.map((s, i) => ({ id: `s${i}`, ...s })),
      events: [{ type: "run-started", at: 1 }],
      status: "finished",
      ...(body.answer !== undefined ? { answer: body.answer } : {}),
    },
  });
  expect(res.status(), await res.text()).toBe(201);
  return id;
}

const view = (page: Page) => page.getByTestId("trace-view");

test("math renders in the problem, the streamed trace and the answer; v shows the exact characters and back", async ({ page }) => {
  const p = new PlaygroundPage(page);
  await p.open();
  await p.pickBundled(BINOMIAL);
  // The statement's \[ … \] display math is typeset under the exact text box.
  await expect(page.locator(".problem-preview .katex-display").first()).toBeVisible();
  await p.setPauseMode("never");
  await p.run.click();
  await expect(p.finalAnswer).toContainText("4027", { timeout: 60_000 });
  // The answer: typeset, with the exact characters the grader compared under the testid.
  await expect(page.getByTestId("final-answer-panel").locator(".answer-math .katex").first()).toBeVisible();
  await expect(p.finalAnswer).toHaveText(/\\d?frac\{1\}\{4027\}/);
  await expect(view(page)).toHaveAttribute("data-view", "rendered");
  const typeset = await view(page).locator(".katex").count();
  expect(typeset).toBeGreaterThan(10);
  // No red error anywhere: every math span of this trace parses (half-streamed ones are text).
  await expect(view(page).locator(".katex-error")).toHaveCount(0);
  // What is on screen is typeset: no raw LaTeX in the text visible at the top of the trace (blocks
  // further down render as they come near, see components/markdown/lazy-markdown.tsx).
  await view(page).evaluate((el) => (el.scrollTop = 0));
  await expect
    .poll(() =>
      view(page).evaluate((el) => {
        const box = el.getBoundingClientRect();
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        let shown = "";
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          if (n.parentElement?.closest(".katex, .seg-prompt")) continue;
          const r = document.createRange();
          r.selectNodeContents(n);
          const b = r.getBoundingClientRect();
          if (b.bottom > box.top && b.top < box.bottom) shown += n.textContent;
        }
        return /\\(frac|binom|\(|\[)/.test(shown) ? shown.slice(0, 300) : "typeset";
      }),
    )
    .toBe("typeset");

  await page.locator("body").press("v");
  await expect(view(page)).toHaveAttribute("data-view", "exact");
  await expect(view(page).locator(".katex")).toHaveCount(0);
  const exact = await view(page).innerText();
  expect(exact).toContain("\\frac");
  expect(exact).toContain("\\boxed{");
  await page.locator("body").press("v");
  await expect(view(page)).toHaveAttribute("data-view", "rendered");
  await expect(view(page).locator(".katex").first()).toBeVisible();
});

test("a selection in the rendered view marks the same characters as the same selection in the exact view", async ({ page, request }) => {
  const id = await seed(request, { statement: ROW.problem, segments: [{ kind: "prompt", text: ROW.prompt }, { kind: "model", text: ROW.completion }] });
  const source = ROW.completion;
  // A word of prose (not inside math) to select by what the reader sees.
  const word = "coefficient";
  const at = source.indexOf(word);
  expect(at).toBeGreaterThan(0);
  const t = new TraceDetailPage(page);
  await t.open(id);
  await expect(view(page)).toHaveAttribute("data-view", "rendered");
  await expect(view(page).locator(".katex").first()).toBeVisible();

  // Rendered view: the first rendered text that shows the word, selected as a drag would.
  await page.evaluate((w) => {
    const seg = document.querySelector('[data-seg-index="1"]')!;
    const walker = document.createTreeWalker(seg, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const i = n.textContent!.indexOf(w);
      if (i === -1) continue;
      const r = document.createRange();
      r.setStart(n, i);
      r.setEnd(n, i + w.length);
      getSelection()!.removeAllRanges();
      getSelection()!.addRange(r);
      return;
    }
    throw new Error(`no rendered text shows ${w}`);
  }, word);
  await page.locator(".trace-wrap").dispatchEvent("mouseup");
  await expect(page.getByTestId("selection")).toContainText(`${at}–${at + word.length}`);
  await page.getByTestId("annotate-button").click();
  await expect.poll(async () => ((await request.get(`/api/traces/${id}`).then((r) => r.json())).annotations ?? []).length).toBe(1);
  const stored = (await request.get(`/api/traces/${id}`).then((r) => r.json())).annotations[0];
  expect(source.slice(stored.start, stored.end)).toBe(word);

  // Exact view: the same characters, selected by their place in the exact text, give the same span.
  await t.setView("exact");
  await page.evaluate(
    ([s, e]) => {
      const blocks = Array.from(document.querySelectorAll<HTMLElement>('[data-seg-index="1"] [data-o]'));
      const block = blocks.find((b) => Number(b.dataset.o) <= s! && e! <= Number(b.dataset.e))!;
      const tn = block.firstChild!;
      const r = document.createRange();
      r.setStart(tn, s! - Number(block.dataset.o));
      r.setEnd(tn, e! - Number(block.dataset.o));
      getSelection()!.removeAllRanges();
      getSelection()!.addRange(r);
    },
    [stored.start as number, stored.end as number],
  );
  await page.locator(".trace-wrap").dispatchEvent("mouseup");
  await expect(page.getByTestId("selection")).toContainText(`${stored.start}–${stored.end}`);
  expect(await page.evaluate(() => getSelection()!.toString())).toBe(word);

  // A selection that ends inside rendered math snaps to the whole formula.
  await t.setView("rendered");
  const math = await page.evaluate(() => {
    const m = document.querySelector<HTMLElement>('[data-seg-index="1"] .md-math')!;
    const inner = document.createTreeWalker(m, NodeFilter.SHOW_TEXT).nextNode()!;
    const r = document.createRange();
    r.setStart(inner, 0);
    r.setEnd(inner, 1);
    getSelection()!.removeAllRanges();
    getSelection()!.addRange(r);
    return { o: Number(m.dataset.o), e: Number(m.dataset.e) };
  });
  await page.locator(".trace-wrap").dispatchEvent("mouseup");
  await expect(page.getByTestId("selection")).toContainText(`${math.o}–${math.e}`);
  expect(source.slice(math.o, math.e)).toMatch(/^(\$|\\\(|\\\[|\\boxed)/);
});

test("find in trace: N of M, jump with Enter, the same matches in both views", async ({ page, request }) => {
  const id = await seed(request, {
    statement: ROW.problem,
    segments: [
      { kind: "prompt", text: ROW.prompt },
      { kind: "model", text: ROW.completion },
    ],
  });
  const query = "binomial";
  const expected = ROW.completion.toLowerCase().split(query).length - 1;
  expect(expected).toBeGreaterThan(2);
  const t = new TraceDetailPage(page);
  await t.open(id);
  await page.locator("body").press("/");
  await expect(page.getByTestId("find-input")).toBeFocused();
  await page.keyboard.type(query);
  await expect(page.getByTestId("find-count")).toHaveText(`1 of ${expected}`);
  // Every match is painted (the highlight registry holds one range per match).
  await expect.poll(() => page.evaluate(() => CSS.highlights.get("trace-find")?.size ?? 0)).toBe(expected);
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("find-count")).toHaveText(`2 of ${expected}`);
  // The current match is in view and is the word searched for.
  const current = await page.evaluate(() => {
    const r = [...CSS.highlights.get("trace-find-current")!][0] as Range;
    const box = r.getBoundingClientRect();
    const pane = document.querySelector('[data-testid="trace-view"]')!.getBoundingClientRect();
    return { text: r.toString(), inView: box.top >= pane.top && box.bottom <= pane.bottom };
  });
  expect(current.text.toLowerCase()).toBe(query);
  expect(current.inView).toBe(true);
  await page.keyboard.press("Shift+Enter");
  await expect(page.getByTestId("find-count")).toHaveText(`1 of ${expected}`);

  await t.setView("exact");
  await expect(page.getByTestId("find-count")).toHaveText(`1 of ${expected}`);
  await expect.poll(() => page.evaluate(() => CSS.highlights.get("trace-find")?.size ?? 0)).toBe(expected);
  const texts = await page.evaluate(() => [...CSS.highlights.get("trace-find")!].map((r) => (r as Range).toString().toLowerCase()));
  expect(new Set(texts)).toEqual(new Set([query]));
});

test("hostile text in the problem, model text, hint, tool output and answer does nothing in the rendered view", async ({ page, request }) => {
  const payloads = [
    "<script>window.__xss=1</script>",
    '<img src="/leak.png?x=1" onerror="window.__xss=2">',
    '<iframe srcdoc="<script>parent.__xss=3</script>"></iframe>',
    '<svg onload="window.__xss=4"></svg>',
    '<a href="javascript:window.__xss=5">html link</a>',
    "[md link](javascript:window.__xss=6)",
    "![leak](/leak.png?ctx=secret)",
    "$\\href{javascript:window.__xss=7}{x}$",
    "\\(\\htmlData{onclick=window.__xss=8}{x}\\)",
  ].join("\n\n");
  const id = await seed(request, {
    statement: `Problem ${payloads}`,
    segments: [
      { kind: "prompt", text: "prompt" },
      { kind: "model", text: `Thinking ${payloads}\n\n` },
      { kind: "hint", text: `Hint ${payloads}`, hintId: "xss", reason: "trigger", trigger: "Wait" },
      { kind: "tool_output", text: "```output\n" + payloads + "\n```\n" },
      { kind: "model", text: `Done. ${payloads}` },
    ],
    answer: '\\href{javascript:window.__xss=9}{x}<img src=x onerror="window.__xss=10">',
  });
  const requests: string[] = [];
  page.on("request", (r) => requests.push(r.url()));
  const dialogs: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const t = new TraceDetailPage(page);
  await t.open(id);
  await page.locator("summary", { hasText: "Problem" }).click();
  await expect(view(page)).toHaveAttribute("data-view", "rendered");
  await expect(view(page)).toContainText("md link");
  // Click every link the rendered text has (a javascript: one would run now).
  for (const a of await page.locator("[data-testid=trace-view] a, .problem-text a").all()) await a.click({ modifiers: ["ControlOrMeta"] }).catch(() => {});
  await page.waitForTimeout(300);
  const found = await page.evaluate(() => {
    const root = document.querySelector("main") ?? document.body;
    const bad = root.querySelectorAll("[data-testid=trace-view] script, [data-testid=trace-view] iframe, [data-testid=trace-view] img, [data-testid=trace-view] svg, .problem-text img, .problem-text script");
    const handlers = Array.from(root.querySelectorAll("*")).filter((el) => Array.from(el.attributes).some((a) => a.name.startsWith("on")));
    const links = Array.from(root.querySelectorAll("a[href]")).map((a) => a.getAttribute("href")!).filter((h) => /^\s*(javascript|data):/i.test(h));
    return { xss: (window as unknown as { __xss?: number }).__xss ?? null, bad: bad.length, handlers: handlers.length, links };
  });
  expect(found).toEqual({ xss: null, bad: 0, handlers: 0, links: [] });
  expect(dialogs).toEqual([]);
  expect(requests.filter((u) => u.includes("leak.png"))).toEqual([]);
});
