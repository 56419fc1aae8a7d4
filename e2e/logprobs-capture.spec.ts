import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { logprobsFromBase64, TraceLogprobsSchema, unpackLogprobs, type TokenLogprob } from "../lib/protocol/logprobs";
import { PlaygroundPage } from "./pages/playground";

// Issue 11, item 6: with Model settings' "Token probabilities" on, a playground run asks the
// (scripted) server for logprobs, and the trace keeps every generated token's probability and
// its top-5 alternatives, served packed by GET /api/traces/:id/logprobs. Off by default.
const PROBLEM = "math-problem_1591";

type StoredTrace = { id: string; status: string; segments: { kind: string; text: string }[] };

async function traceIdOf(page: Page): Promise<string> {
  const href = await page.getByTestId("save-status").locator("a").getAttribute("href");
  expect(href).toMatch(/^\/traces\//);
  return decodeURIComponent(href!.replace("/traces/", ""));
}

async function storedLogprobs(request: APIRequestContext, id: string): Promise<{ segment: number; tokens: TokenLogprob[] }[]> {
  const res = await request.get(`/api/traces/${id}/logprobs`);
  expect(res.status(), await res.text()).toBe(200);
  return TraceLogprobsSchema.parse(await res.json()).segments.map((s) => ({ segment: s.segment, tokens: unpackLogprobs(logprobsFromBase64(s.packed)) }));
}

async function finishedRun(page: Page, tokenProbabilities: boolean): Promise<string> {
  const p = new PlaygroundPage(page);
  await p.open();
  await p.pickBundled(PROBLEM);
  await p.setPauseMode("never");
  await p.openModelSettings();
  const toggle = page.getByTestId("token-probabilities");
  await expect(toggle).not.toBeChecked();
  if (tokenProbabilities) await toggle.check();
  await p.run.click();
  await expect(p.finalAnswer).toHaveText("6.17", { timeout: 60_000 });
  await expect(page.getByTestId("save-status")).toContainText("saved");
  return traceIdOf(page);
}

test("with Token probabilities on, a run stores every model token's logprob and top-5 alternatives", async ({ page, request }) => {
  const id = await finishedRun(page, true);
  await expect.poll(async () => (await (await request.get(`/api/traces/${id}`)).json()).status).toBe("finished");
  const trace = (await (await request.get(`/api/traces/${id}`)).json()) as StoredTrace;
  const model = trace.segments.map((s, i) => ({ ...s, i })).filter((s) => s.kind === "model");
  expect(model.length).toBeGreaterThan(0);
  // The last saves may still be on their way: wait until every model character has its token.
  await expect
    .poll(async () => {
      const all = await storedLogprobs(request, id);
      return model.map((s) => all.find((l) => l.segment === s.i)?.tokens.reduce((n, t) => n + t.text.length, 0) ?? 0);
    })
    .toEqual(model.map((s) => s.text.length));

  const all = await storedLogprobs(request, id);
  // Checked in plain code and asserted once: thousands of expect() calls (each a recorded step)
  // take minutes in Playwright's worker.
  const problems: string[] = [];
  for (const { segment, tokens } of all) {
    const text = trace.segments[segment]!.text;
    let end = 0;
    for (const t of tokens) {
      const at = `segment ${segment} token at ${t.start}`;
      if (t.start !== end) problems.push(`${at}: starts after a gap or overlap (expected ${end})`);
      if (text.slice(t.start, t.start + t.text.length) !== t.text) problems.push(`${at}: text ${JSON.stringify(t.text)} is not the segment's`);
      if (!(t.logprob <= 0)) problems.push(`${at}: logprob ${t.logprob} > 0`);
      if (t.top.length > 5) problems.push(`${at}: ${t.top.length} alternatives`);
      if (t.top.some((a) => !(a.logprob <= 0))) problems.push(`${at}: an alternative's logprob > 0`);
      end = t.start + t.text.length;
    }
  }
  expect(problems.slice(0, 10)).toEqual([]);
  const tokens = all.flatMap((s) => s.tokens);
  expect(tokens.filter((t) => t.top.length === 5).length).toBeGreaterThan(tokens.length * 0.9);
  // The uncertain places are there to show: each "Wait" got a middling probability, with alternatives.
  const waits = tokens.filter((t) => t.text.trim() === "Wait");
  expect(waits.length).toBeGreaterThan(0);
  for (const w of waits) {
    expect(Math.exp(w.logprob)).toBeLessThan(0.65);
    expect(w.top.map((a) => a.text.trim())).toContain("Wait");
  }
});

test("off by default: a run stores no token probabilities, and the route says so", async ({ page, request }) => {
  const id = await finishedRun(page, false);
  await expect.poll(async () => (await (await request.get(`/api/traces/${id}`)).json()).status).toBe("finished");
  expect(await storedLogprobs(request, id)).toEqual([]);
  expect((await request.get("/api/traces/no-such-trace/logprobs")).status()).toBe(404);
});
