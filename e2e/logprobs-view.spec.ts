import { expect, test, type APIRequestContext } from "@playwright/test";
import { logprobsFromBase64, TraceLogprobsSchema, unpackLogprobs, type TokenLogprob } from "../lib/protocol/logprobs";
import { formatProb, isCandidatePoint } from "../components/trace/token-probs";
import { PlaygroundPage } from "./pages/playground";

// Issue 11 item 7: the model's own view of a point — probability colouring, the alternatives
// tooltip, trigger probabilities, candidate injection points, and branching from an alternative
// token into a live fork. A real scripted run with Model settings' "Token probabilities" on: the
// scripted server streams vLLM-shaped logprobs, the playground colours them live, the trace page
// reads them back from GET /api/traces/:id/logprobs.
const PROBLEM = "math-problem_1591";

async function storedTokens(request: APIRequestContext, id: string, segment: number): Promise<TokenLogprob[]> {
  const res = await request.get(`/api/traces/${encodeURIComponent(id)}/logprobs`);
  expect(res.status()).toBe(200);
  const s = TraceLogprobsSchema.parse(await res.json()).segments.find((x) => x.segment === segment);
  return s ? unpackLogprobs(logprobsFromBase64(s.packed)) : [];
}

test("colour by probability, see a token's alternatives, branch from one: the fork opens in the playground and goes on from that token", async ({ page, request }) => {
  const p = new PlaygroundPage(page);
  await p.open();
  await p.pickBundled(PROBLEM);
  await p.setPauseMode("never");
  await p.openModelSettings();
  await page.getByTestId("token-probabilities").check();
  // Live: colour the playground's view while the run streams.
  await page.getByTestId("prob-toggle").check();
  await p.run.click();
  await expect(p.traceView.locator(".tok").first()).toBeVisible({ timeout: 20_000 });
  await expect(p.finalAnswer).toHaveText("6.17", { timeout: 60_000 });
  await expect(page.getByTestId("prob-legend")).toBeVisible();
  await p.traceView.locator(".tok").nth(5).hover();
  await expect(page.getByTestId("token-tooltip")).toBeVisible();
  await expect(page.getByTestId("token-tooltip").getByTestId("token-prob")).toHaveText(/%$/);

  const href = await page.getByTestId("save-status").locator("a").getAttribute("href");
  const id = decodeURIComponent(href!.replace("/traces/", ""));
  await expect.poll(async () => (await request.get(`/api/traces/${id}`).then((r) => r.json())).status).toBe("finished");
  const parent = (await request.get(`/api/traces/${id}`).then((r) => r.json())) as { segments: { kind: string; text: string }[] };
  const segIndex = parent.segments.findIndex((s) => s.kind === "model");
  const text = parent.segments[segIndex]!.text;
  // The last live saves may still be on their way: wait until every character has its token.
  await expect.poll(async () => (await storedTokens(request, id, segIndex)).reduce((n, t) => n + t.text.length, 0)).toBe(text.length);
  const tokens = await storedTokens(request, id, segIndex);

  await page.goto(`/traces/${id}`);
  const view = page.getByTestId("trace-view");
  await expect(view).toBeVisible();
  await expect(page.getByTestId("prob-toggle")).not.toBeChecked();
  await expect(view.locator(".tok")).toHaveCount(0);
  // p toggles the colouring (outside inputs).
  await page.locator("body").press("p");
  await expect(page.getByTestId("prob-toggle")).toBeChecked();
  await expect(page.getByTestId("prob-legend")).toBeVisible();
  const seg = view.locator(`[data-seg-index="${segIndex}"]`);
  // Every token is drawn; the surprising ones are coloured (bins 0–3), the sure ones are not.
  await expect(seg.locator(".tok-p4").first()).toBeVisible();
  const coloured = await seg.locator(".tok-p0, .tok-p1, .tok-p2, .tok-p3").count();
  const expectedColoured = tokens.filter((t) => Math.exp(t.logprob) < 0.9 - 1e-9 && t.text.length > 0).length;
  expect(coloured).toBeGreaterThanOrEqual(expectedColoured);
  // The text is unchanged by the spans (selections and forks keep their offsets).
  expect((await seg.innerText()).replace(/\s+/g, "")).toContain(text.slice(0, 200).replace(/\s+/g, ""));

  // Triggers carry the probability the model gave them (CSS label) and are outlined.
  const wait = tokens.findIndex((t) => /^ ?Wait$/.test(t.text) && t.top.some((a) => a.text !== t.text));
  expect(wait).toBeGreaterThan(-1);
  const waitEl = seg.locator(`[data-tok="${wait}"]`);
  await expect(waitEl).toHaveClass(/trigger/);
  await expect(waitEl).toHaveAttribute("data-label", new RegExp(`^${formatProb(Math.exp(tokens[wait]!.logprob)).replace(/[.<]/g, "\\$&")}`));
  // Candidate injection points are listed and marked in the text.
  const candidates = await page.getByTestId("candidate-count").innerText();
  const expected = tokens.filter(isCandidatePoint).length;
  expect(Number(candidates.split(" ")[0])).toBe(expected);
  // Each is marked in the text (a token inside a ```python fence line is not drawn: the fence is a label).
  const marked = new Set(await seg.locator(".tok-cand").evaluateAll((els) => els.map((e) => e.getAttribute("data-tok"))));
  expect(marked.size).toBeGreaterThan(0);
  expect(marked.size).toBeLessThanOrEqual(expected);

  // Hover the trigger token: its probability and alternatives.
  await waitEl.hover();
  const tip = page.getByTestId("token-tooltip");
  await expect(tip).toBeVisible();
  await expect(page.getByTestId("token-prob")).toHaveText(formatProb(Math.exp(tokens[wait]!.logprob)));
  const alts = tip.getByTestId("token-alternative");
  const others = tokens[wait]!.top.filter((a) => a.text !== tokens[wait]!.text);
  await expect(alts).toHaveCount(others.length);
  const alt = others.sort((a, b) => b.logprob - a.logprob)[0]!;
  await expect(alts.first()).toHaveAttribute("data-text", alt.text);

  // Keyboard: a focused token shows its tooltip too.
  await page.mouse.move(0, 0);
  await waitEl.focus();
  await expect(tip).toBeVisible();

  // Branch from the most likely alternative.
  await alts.first().click();
  await expect(page).toHaveURL(/\/\?trace=.*&continue=1/);
  const forkId = new URL(page.url()).searchParams.get("trace")!;
  const prefix = text.slice(0, tokens[wait]!.start) + alt.text;
  const fork = (await request.get(`/api/traces/${forkId}`).then((r) => r.json())) as {
    parentId: string;
    forkAt: { segment: number; offset: number; alternative?: { text: string; replaced?: string } };
    segments: { kind: string; text: string }[];
  };
  expect(fork.parentId).toBe(id);
  expect(fork.forkAt).toMatchObject({ segment: segIndex, offset: tokens[wait]!.start, alternative: { text: alt.text, replaced: tokens[wait]!.text } });
  expect(fork.segments[segIndex]!.text.startsWith(prefix)).toBe(true);

  // The playground goes on generating from exactly that token: the saved text grows past it.
  const pg = new PlaygroundPage(page);
  await expect(pg.traceView).toContainText(alt.text.trim());
  await expect
    .poll(async () => {
      const f = (await request.get(`/api/traces/${forkId}`).then((r) => r.json())) as { segments: { text: string }[] };
      const t = f.segments.slice(segIndex).map((s) => s.text).join("");
      return t.startsWith(prefix) && t.length > prefix.length;
    }, { timeout: 30_000 })
    .toBe(true);

  // The fork's page names its branch point.
  await page.goto(`/traces/${forkId}`);
  await expect(page.getByTestId("branched-from")).toContainText(JSON.stringify(alt.text));
});
