import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";

// The trace library (search, filters, sorting, paging, keys, URL state) and the fork tree +
// branch comparison, over traces built from real R1-distill chains of thought and saved
// through the API. Each run uses its own dataset value, so traces left by other specs (or
// earlier runs: the data dir outlives a run) never change the counts asserted here.

interface FixtureRow {
  id: string;
  model: string;
  problem: string;
  gold_answer: string;
  prompt: string;
  completion: string;
  extracted_answer?: string;
  is_correct: boolean;
}
const ROWS = readFileSync(path.resolve(import.meta.dirname, "fixtures/data/r1-distill-math-40.jsonl"), "utf8")
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l) as FixtureRow);

const RUN = `lib-e2e-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
const HINT = "Wait, maybe using Python here is a good idea.\n```python\n";

/** 55 traces: every fixture row once, the first 15 again (more than one page of 50). */
const SEEDED = [...ROWS, ...ROWS.slice(0, 15)];

type Seg = { id: string; kind: "prompt" | "model" | "hint" | "tool_output"; text: string; hintId?: string; reason?: "trigger"; trigger?: string };

function config(model: string, policy: object) {
  return {
    provider: "scripted",
    model,
    template: "deepseek-r1",
    sampling: { maxTokens: 32768, temperature: 0.6 },
    triggers: ["Wait", "Alternatively"],
    policy,
    maxToolCalls: 6,
    toolTimeoutMs: 10_000,
    maxOutputChars: 4000,
    hintLibraryVersion: "e2e",
    policySeed: 0,
  };
}

/** Tokens as a model server reports them: not in the order of creation, so sorting shows. */
const tokensOf = (i: number, row: FixtureRow) => Math.ceil(row.completion.length / 4) + ((i * 37) % 11);

/**
 * A saved trace from fixture row `i`: prompt + model text; every fifth gets a hint at its first
 * "Wait" with one Python run and its output (as the playground saves them).
 */
const hasHint = (i: number, row: FixtureRow) => i % 5 === 0 && row.completion.includes("Wait");

function traceBody(i: number, row: FixtureRow, dataset: string) {
  const withTool = hasHint(i, row);
  const wait = row.completion.indexOf("Wait");
  let segments: Seg[] = [
    { id: "s0", kind: "prompt", text: row.prompt },
    { id: "s1", kind: "model", text: row.completion },
  ];
  const events: object[] = [{ type: "run-started", at: 1 }];
  if (withTool) {
    segments = [
      segments[0]!,
      { id: "s1", kind: "model", text: row.completion.slice(0, wait) },
      { id: "s2", kind: "hint", text: HINT, hintId: "math-complex-calculations", reason: "trigger", trigger: "Wait" },
      { id: "s3", kind: "model", text: "print(round((1 + 0.06/12)**12 * 100 - 100, 2))\n```\n" },
      { id: "s4", kind: "tool_output", text: "```output\n6.17\n```\n" },
      { id: "s5", kind: "model", text: row.completion.slice(wait) },
    ];
    events.push(
      { type: "hint-injected", at: 2, hintId: "math-complex-calculations", reason: "trigger", offset: wait, decidedBy: "policy" },
      { type: "code-executed", at: 3, code: "print(1)", stdout: "6.17\n", stderr: "", timedOut: false, truncated: false, durationMs: 12 },
    );
  }
  const chars = segments.reduce((n, s) => n + s.text.length, 0);
  events.push({ type: "stream-ended", at: 4, streamId: "st", finishReason: "eos", chars, durationMs: 100, usage: { completionTokens: tokensOf(i, row) } });
  return {
    id: `${dataset}-${i}`,
    problem: { id: row.id, kind: "math", statement: row.problem, gold: row.gold_answer, source: "MATH" },
    config: config(row.model, withTool ? { type: "paper", rounds: 1, triggerProb: 1 } : { type: "greedy" }),
    segments,
    events,
    status: "finished",
    ...(row.extracted_answer ? { answer: row.extracted_answer } : {}),
    verdict: row.is_correct ? "correct" : "incorrect",
    dataset,
    tags: i % 2 ? ["odd"] : [],
    // Creation order is the seed order (the list's default sort is newest first).
    createdAt: 1_700_000_000_000 + i * 1000,
  };
}

async function post(request: APIRequestContext, url: string, data: unknown): Promise<{ id: string; events: unknown[]; segments: unknown[] }> {
  const res = await request.post(url, { data });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()) as { id: string; events: unknown[]; segments: unknown[] };
}

/** A word of one seeded trace's text that no other seeded trace or problem has (nor any word starting with it: the search is a prefix search). */
function wordOnlyIn(index: number): string {
  const words = (s: string) => new Set(s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
  const others = new Set<string>();
  SEEDED.forEach((r, i) => {
    for (const w of words(r.problem)) others.add(w);
    if (i !== index) for (const w of words(r.completion)) others.add(w);
  });
  const mine = [...words(SEEDED[index]!.completion)].filter((w) => /^[a-z]{8,}$/.test(w));
  const found = mine.find((w) => ![...others].some((o) => o.startsWith(w)));
  if (!found) throw new Error(`no word unique to trace ${index}`);
  return found;
}

const rows = (page: Page) => page.getByTestId("trace-row");
const count = (page: Page) => page.getByTestId("trace-count");

test.beforeAll(async ({ request }) => {
  for (const [i, row] of SEEDED.entries()) await post(request, "/api/traces", traceBody(i, row, RUN));
});

test("search finds a trace by a word only its chain of thought contains; the query is in the URL", async ({ page }) => {
  const index = 30; // a row seeded once
  const word = wordOnlyIn(index);
  await page.goto(`/traces?dataset=${RUN}`);
  await expect(count(page)).toHaveText("55 traces");
  await page.getByTestId("trace-search").fill(word);
  await expect(count(page)).toHaveText("1 trace");
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first()).toHaveAttribute("data-trace-id", `${RUN}-${index}`);
  expect(new URL(page.url()).searchParams.get("q")).toBe(word);
  // The problem statement does not contain it: the match is in the trace text.
  expect(SEEDED[index]!.problem.toLowerCase()).not.toContain(word);

  // A linked search opens with the box filled and the same result.
  await page.goto(`/traces?dataset=${RUN}&q=${word}`);
  await expect(page.getByTestId("trace-search")).toHaveValue(word);
  await expect(count(page)).toHaveText("1 trace");
  await page.getByTestId("trace-search").fill("");
  await expect(count(page)).toHaveText("55 traces");
});

test("filters narrow the list and survive opening a trace and going Back", async ({ page }) => {
  const correct = SEEDED.filter((r) => r.is_correct).length;
  await page.goto(`/traces?dataset=${RUN}`);
  await expect(count(page)).toHaveText("55 traces");
  await expect(page.getByTestId("filter-dataset")).toHaveValue(RUN);

  await page.getByTestId("filter-verdict").selectOption("correct");
  await expect(count(page)).toHaveText(`${correct} traces`);
  await expect(rows(page)).toHaveCount(correct);
  for (const verdict of await rows(page).locator(".verdict").allTextContents()) expect(verdict).toBe("correct");
  expect(new URL(page.url()).searchParams.get("verdict")).toBe("correct");

  // Two filters at once: correct traces that used the hint.
  const hinted = SEEDED.filter((r, i) => r.is_correct && hasHint(i, r)).length;
  await page.getByTestId("filter-hint").selectOption("math-complex-calculations");
  await expect(count(page)).toHaveText(`${hinted} trace${hinted === 1 ? "" : "s"}`);
  for (const hints of await rows(page).locator("td:nth-child(4)").allTextContents()) expect(hints).toContain("math-complex-calculations");

  // Open one and come back: the list is as it was.
  const first = await rows(page).first().getAttribute("data-trace-id");
  await rows(page).first().getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`/traces/${first}$`));
  await page.goBack();
  await expect(page.getByTestId("filter-verdict")).toHaveValue("correct");
  await expect(page.getByTestId("filter-hint")).toHaveValue("math-complex-calculations");
  await expect(count(page)).toHaveText(`${hinted} trace${hinted === 1 ? "" : "s"}`);

  await page.getByTestId("filter-verdict").selectOption("");
  await page.getByTestId("filter-hint").selectOption("");
  await expect(count(page)).toHaveText("55 traces");
});

test("sorting by tokens orders the rows by tokens, both ways", async ({ page }) => {
  const byTokens = SEEDED.map((r, i) => ({ id: `${RUN}-${i}`, tokens: tokensOf(i, r) })).sort((a, b) => b.tokens - a.tokens || (b.id < a.id ? -1 : 1));
  await page.goto(`/traces?dataset=${RUN}`);
  // Default: newest first.
  await expect(rows(page).first()).toHaveAttribute("data-trace-id", `${RUN}-54`);

  await page.getByTestId("sort-tokens").click();
  await expect(page).toHaveURL(/sort=tokens/);
  await expect(rows(page).first()).toHaveAttribute("data-trace-id", byTokens[0]!.id);
  const shown = (await rows(page).locator("td:nth-child(6)").allTextContents()).map((t) => Number(t.replace(/\D/g, "")));
  expect(shown).toEqual([...shown].sort((a, b) => b - a));
  expect(shown[0]).toBe(byTokens[0]!.tokens);

  await page.getByTestId("sort-tokens").click();
  await expect(page).toHaveURL(/order=asc/);
  await expect(rows(page).first()).toHaveAttribute("data-trace-id", byTokens[byTokens.length - 1]!.id);
});

test("pages of 50 with next/prev; j/k move the selection and Enter opens it", async ({ page }) => {
  await page.goto(`/traces?dataset=${RUN}`);
  await expect(rows(page)).toHaveCount(50);
  await expect(page.getByTestId("page-prev")).toBeDisabled();
  await page.getByTestId("page-next").click();
  await expect(page).toHaveURL(/page=2/);
  await expect(rows(page)).toHaveCount(5);
  await expect(rows(page).last()).toHaveAttribute("data-trace-id", `${RUN}-0`);
  await expect(page.getByTestId("page-next")).toBeDisabled();
  await page.getByTestId("page-prev").click();
  await expect(rows(page)).toHaveCount(50);
  await expect(page).not.toHaveURL(/page=/);

  // Keys typed into the search box are not shortcuts.
  await page.getByTestId("trace-search").press("j");
  await expect(page.getByTestId("trace-search")).toHaveValue("j");
  await expect(page.locator('[data-testid="trace-row"][aria-selected="true"]')).toHaveCount(0);
  await page.getByTestId("trace-search").fill("");
  await expect(count(page)).toHaveText("55 traces");
  await page.getByTestId("trace-search").blur();

  await page.keyboard.press("j");
  await page.keyboard.press("j");
  await page.keyboard.press("j");
  await page.keyboard.press("k");
  const selected = page.locator('[data-testid="trace-row"][aria-selected="true"]');
  await expect(selected).toHaveAttribute("data-index", "1");
  const id = await selected.getAttribute("data-trace-id");
  expect(id).toBe(`${RUN}-53`);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/traces/${id}$`));
});

test("forks show in the tree; Compare shows both branches from the fork point with their summaries", async ({ page, request }) => {
  const dataset = `${RUN}-fork`;
  const row = ROWS[0]!;
  const root = await post(request, "/api/traces", { ...traceBody(1, row, dataset), id: undefined });
  const wait = row.completion.indexOf("Wait");
  const at = { segment: 1, offset: wait };

  // Two forks at the same "Wait", each continued live with a different hint.
  async function branch(hintId: string, hint: string, output: string, verdict: "correct" | "incorrect") {
    const f = await post(request, `/api/traces/${root.id}/fork`, at);
    const grant = await request.post(`/api/traces/${f.id}/lease`, { data: { takeOver: false } });
    expect(grant.ok(), await grant.text()).toBe(true);
    const { lease } = (await grant.json()) as { lease: string };
    const res = await request.patch(`/api/traces/${f.id}/live`, {
      data: {
        lease,
        seq: 1,
        segmentsFrom: f.segments.length,
        segments: [
          { id: "h", kind: "hint", text: hint, hintId, reason: "resume" },
          { id: "c", kind: "model", text: "print(round(100*((1+0.06/12)**12-1), 2))\n```\n" },
          { id: "o", kind: "tool_output", text: `\`\`\`output\n${output}\n\`\`\`\n` },
          { id: "m", kind: "model", text: `So r is about ${output}.\n</think>\n\\boxed{${output}}` },
        ],
        eventsFrom: f.events.length,
        events: [
          { type: "hint-injected", at: 5, hintId, reason: "resume", offset: wait, decidedBy: "user" },
          { type: "code-executed", at: 6, code: "print(...)", stdout: `${output}\n`, stderr: "", timedOut: false, truncated: false, durationMs: 9 },
          { type: "stream-ended", at: 7, streamId: "f", finishReason: "eos", chars: 120, durationMs: 50 },
        ],
        status: "finished",
        answer: output,
        verdict,
      },
    });
    expect(res.ok(), await res.text()).toBe(true);
    return f.id;
  }
  const a = await branch("math-complex-calculations", HINT, "6.17", "correct");
  const b = await branch("math-check-logic", "Wait, let me check the logic with Python.\n```python\n", "6.2", "incorrect");

  await page.goto(`/traces/compare?a=${root.id}&b=${a}`);
  const view = page.getByTestId("compare-view");
  await expect(view).toBeVisible();
  const common = row.prompt.length + wait;
  await expect(page.getByTestId("compare-prefix")).toContainText(`Common prefix: ${common.toLocaleString("en-US")} characters`);
  await expect(page.getByTestId("compare-prefix")).toContainText(row.completion.slice(wait - 40, wait).trim());
  // Left: the original goes on with its own "Wait…"; right: the hint, its run and the answer.
  const left = page.getByTestId("compare-left");
  const right = page.getByTestId("compare-right");
  await expect(left.getByTestId("trace-view")).toContainText(row.completion.slice(wait, wait + 60));
  await expect(left.getByTestId("compare-summary")).toContainText("none");
  await expect(right.getByTestId("hint-segment")).toContainText("math-complex-calculations");
  await expect(right.getByTestId("code-output")).toContainText("6.17");
  const rightSummary = right.getByTestId("compare-summary");
  await expect(rightSummary.locator('[data-field="hints"]')).toHaveText("math-complex-calculations");
  await expect(rightSummary.locator('[data-field="tool-calls"]')).toContainText("1 after the fork");
  await expect(rightSummary.locator('[data-field="answer"]')).toHaveText("6.17");
  await expect(rightSummary.locator('[data-field="verdict"]')).toHaveText("correct");

  // The family tree: root and both forks (indented under it), with their fork points.
  const tree = page.getByTestId("fork-tree");
  await expect(tree.getByTestId("fork-node")).toHaveCount(3);
  await expect(tree.locator(`[data-trace-id="${root.id}"]`)).toContainText("root");
  await expect(tree.locator("ul ul").getByTestId("fork-node")).toHaveCount(2);
  for (const id of [a, b]) await expect(tree.locator(`[data-trace-id="${id}"]`)).toContainText(`fork at segment 1 @ offset ${wait}`);
  await expect(tree.locator(`[data-trace-id="${root.id}"]`)).toHaveAttribute("aria-current", "page");

  // Pick the two forks and compare them: they part at the hint.
  await tree.locator(`[data-trace-id="${a}"]`).getByRole("checkbox").check();
  await tree.locator(`[data-trace-id="${b}"]`).getByRole("checkbox").check();
  await tree.getByTestId("compare-link").click();
  await expect(page).toHaveURL(new RegExp(`a=${a}&b=${b}`));
  await expect(page.getByTestId("compare-left")).toHaveAttribute("data-trace-id", a);
  await expect(page.getByTestId("compare-prefix")).toContainText(`Common prefix: ${common.toLocaleString("en-US")} characters`);
  await expect(left.getByTestId("compare-summary").locator('[data-field="hints"]')).toHaveText("math-complex-calculations");
  await expect(right.getByTestId("compare-summary").locator('[data-field="hints"]')).toHaveText("math-check-logic");
  await expect(right.getByTestId("compare-summary").locator('[data-field="verdict"]')).toHaveText("incorrect");
  await expect(right.getByTestId("compare-summary").locator('[data-field="answer"]')).toHaveText("6.2");

  // The library lists the forks as forks of this family's dataset.
  await page.goto(`/traces?dataset=${dataset}`);
  await expect(count(page)).toHaveText("3 traces");
  await expect(rows(page).locator(".fork-badge")).toHaveCount(2);
  await expect(rows(page).filter({ has: page.locator(".fork-badge") }).first()).not.toHaveAttribute("data-trace-id", root.id);
});
