import { test as base, expect } from "@playwright/test";
import { startScriptedServer, type ScriptedServer } from "./fixtures/scripted-server";
import { PlaygroundPage } from "./pages/playground";

// Python as the user meets it in a trace: infinite loops, tracebacks, huge outputs and a model
// that invents its own output. The scenario markers in the problem text make the scripted model
// (a replay of real traces, see e2e/fixtures/scripted-model.ts) write the matching program after
// a hint. Tests that must see what the model *received* point the page at their own scripted
// server (Model settings → Base URL) and read its recorded requests.

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

// No recorded trace matches this text: the scripted model replays its short generic trace (two
// "Wait"s, then </think> and \boxed{42}).
const GENERIC = "What is six times seven? Think it through.";

type PageSandbox = {
  execute(code: string, o: { timeoutMs: number; maxOutputChars: number }): Promise<{ stdout: string; error?: string; timedOut: boolean }>;
  onStatusChange(listener: (status: string) => void): () => void;
};

test("an infinite loop is interrupted at the code time limit without reloading Python, and the model goes on", async ({ page }) => {
  const p = new PlaygroundPage(page);
  await p.open();
  // Every status the page's Python runtime goes through from here on ("restarting" = reloaded).
  await page.evaluate(() => {
    const w = window as unknown as { __hintlabSandbox: PageSandbox; __statuses: string[] };
    w.__statuses = [];
    w.__hintlabSandbox.onStatusChange((s) => w.__statuses.push(s));
  });
  await p.typeProblem(`${GENERIC} [[loop]]`, { gold: "42" });
  await p.setPauseMode("triggers");
  await p.setToolTimeout(2);
  await p.run.click();

  await expect(p.pauseBanner).toContainText(/Paused at trigger .Wait./);
  await p.inject.click();
  await expect(p.traceView.getByTestId("code-block").first()).toContainText("while True:");
  const first = p.traceView.getByTestId("code-output").first();
  await expect(first).toContainText("stopped after 2 s (time limit)", { timeout: 15_000 });
  // Interrupted, not restarted: the runtime (and the trace's namespace) survived.
  await expect(first).not.toContainText("restarted");
  await expect(page.locator(".seg-tool").first()).toContainText("timed out");
  await expect(p.events.filter({ hasText: "code executed" }).first()).toContainText("timed out");

  // Generation continued after the output block, up to the next trigger.
  await expect(p.pauseBanner).toContainText(/Paused at trigger .Wait./);
  await expect(p.traceView).toContainText("I should double-check the conditions first");

  // The same runtime still runs code at once, and keeps state, while the trace is paused.
  const probe = await page.evaluate(() =>
    (window as unknown as { __hintlabSandbox: PageSandbox }).__hintlabSandbox.execute("kept = 6 * 7\nprint(kept)", { timeoutMs: 5000, maxOutputChars: 1000 }),
  );
  expect(probe).toMatchObject({ stdout: "42\n", timedOut: false });

  // A second execution in the same trace: interrupted at the limit again, namespace still there.
  await p.inject.click();
  await expect(p.traceView.getByTestId("code-output")).toHaveCount(2, { timeout: 15_000 });
  await expect(p.traceView.getByTestId("code-output").nth(1)).toContainText("stopped after 2 s (time limit)");
  await expect(p.traceView.getByTestId("code-output").nth(1)).not.toContainText("restarted");
  await expect(p.finalAnswer).toHaveText("42");
  await expect(p.verdict).toContainText("correct");
  await expect(p.events.filter({ hasText: "code executed" })).toHaveCount(2);

  const after = await page.evaluate(() =>
    (window as unknown as { __hintlabSandbox: PageSandbox }).__hintlabSandbox.execute("print(kept)", { timeoutMs: 5000, maxOutputChars: 1000 }),
  );
  expect(after.stdout).toBe("42\n");
  const statuses = await page.evaluate(() => (window as unknown as { __statuses: string[] }).__statuses);
  expect(statuses).toContain("busy");
  expect(statuses).not.toContain("restarting");
});

test("a traceback is shown under the code and fed back to the model", async ({ page, model }) => {
  const p = new PlaygroundPage(page);
  await p.open();
  await p.setBaseUrl(model.baseUrl);
  const problem = `${GENERIC} [[error]] (${test.info().testId})`;
  await p.typeProblem(problem, { gold: "42" });
  await p.setPauseMode("triggers");
  await p.run.click();

  await expect(p.pauseBanner).toContainText(/Paused at trigger .Wait./);
  await p.setPauseMode("never");
  await p.inject.click();
  const output = p.traceView.getByTestId("code-output").first();
  await expect(output).toContainText("Traceback");
  await expect(output).toContainText("IndexError: list index out of range");
  await expect(p.events.filter({ hasText: "code executed" }).first()).toContainText("error");
  await expect(p.finalAnswer).toHaveText("42");

  // What the model received next: its own code, then the traceback in an output block.
  const mine = model.requests.filter((r) => r.endpoint === "completions" && r.prompt?.includes(problem));
  const afterCode = mine.find((r) => r.prompt?.includes("```output\n"));
  expect(afterCode, "a request after the execution").toBeDefined();
  expect(afterCode!.prompt).toMatch(/print\(values\[3\]\)\n```\n```output\nTraceback[\s\S]*IndexError: list index out of range\n```\n$/);
});

test("a huge output is truncated with a visible marker", async ({ page }) => {
  const p = new PlaygroundPage(page);
  await p.open();
  await p.typeProblem(`${GENERIC} [[bigoutput]]`, { gold: "42" });
  await p.setPauseMode("triggers");
  await p.run.click();
  await expect(p.pauseBanner).toContainText(/Paused at trigger .Wait./);
  await p.setPauseMode("never");
  await p.inject.click();

  const output = p.traceView.getByTestId("code-output").first();
  await expect(output).toContainText(/output truncated: [\d,]+ more characters/);
  await expect(page.locator(".seg-tool").first()).toContainText("truncated");
  await expect(p.events.filter({ hasText: "code executed" }).first()).toContainText("output truncated");
  // The program printed 200,000 characters; the page (and the model) get a few thousand.
  expect((await output.innerText()).length).toBeLessThan(10_000);
  await expect(p.finalAnswer).toHaveText("42");
});

test("a model that writes its own ```output block is cut at its closing fence and given the real output", async ({ page, model }) => {
  const p = new PlaygroundPage(page);
  await p.open();
  // A server that ignores stop strings, so the invented block really reaches the page.
  await p.setBaseUrl(`${model.url}/nostop/v1`);
  // A recorded trace whose gold (-\frac{5}{12}) differs from what the program prints (-5/12):
  // the invented output says "result: -\frac{5}{12}", the real one "result: -5/12".
  const problem = `[[trace:deepseek-r1-distill-llama-8b/problem_4164/correct]] [[selfoutput]] A cubic polynomial problem (${test.info().testId}).`;
  await p.typeProblem(problem, { gold: "-\\frac{5}{12}" });
  await p.setPauseMode("triggers");
  await p.run.click();
  await expect(p.pauseBanner).toContainText(/Paused at trigger .Wait./, { timeout: 30_000 });
  await p.setPauseMode("never");
  await p.inject.click();

  const outputs = p.traceView.getByTestId("code-output");
  await expect(outputs.first()).toContainText("result: -5/12");
  await expect(p.finalAnswer).toBeVisible({ timeout: 30_000 });
  await expect(p.events.filter({ hasText: "code executed" })).toHaveCount(1);
  await expect(outputs).toHaveCount(1);
  await expect(p.traceView).not.toContainText("result: -\\frac{5}{12}");

  // The server did send the invented block; the page cut it.
  const program = model.requests.find((r) => r.prompt?.includes(problem) && r.plan?.kind === "program");
  expect(program?.ignoreStop).toBe(true);
  await program!.settled;
  expect(program!.text).toContain("```output\nresult: -\\frac{5}{12}\n```");
  // And what the model received after the code is the real output.
  const next = model.requests.find((r) => r.prompt?.includes(problem) && r.prompt.includes("```output\n"));
  expect(next!.prompt).toContain("```output\nresult: -5/12\n```\n");
  expect(next!.prompt).not.toContain("\\frac{5}{12}\n```");
});
