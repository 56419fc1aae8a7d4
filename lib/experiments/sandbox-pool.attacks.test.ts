// Cross-trace attacks through the path `hintlab run` uses: one SandboxPool, a session per
// trace (runner.ts), and the default grader taking a session from the same pool (grade.ts).
// With a pool of one, every trace and every grading lands on the same pooled sandbox, as
// happens under load. Before issue 9 the pool reset the interpreter in place, so each of these
// reached the next trace or the grader.
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Trace } from "@/lib/protocol";
import { parseDatasetJsonl } from "./datasets";
import { poolGrader } from "./grade";
import { SandboxPool } from "./sandbox-pool";

const ROOT = path.resolve(import.meta.dirname, "../..");
const lcb = parseDatasetJsonl(readFileSync(path.join(ROOT, "../shared/fixtures/datasets/livecodebench-sample-24.jsonl"), "utf8")).problems;
const solution = (name: string) => readFileSync(path.join(ROOT, "lib/grading/__fixtures__/lcb", name), "utf8");
const traceWith = (answer: string | undefined) => ({ answer, verdict: "ungraded" }) as Trace;
const OPTS = { timeoutMs: 10_000, maxOutputChars: 10_000 };
const SECRET = "hintlab-pool-secret-93be1c";

const pool = new SandboxPool(1);
const grade = poolGrader(pool);
afterAll(() => pool.dispose());

/** One trace's worth of code, run in its own pool session (as runner.ts does per item). */
async function trace(...blocks: string[]) {
  const session = pool.session();
  try {
    const results = [];
    for (const code of blocks) results.push(await session.execute(code, OPTS));
    return results;
  } finally {
    await session.close();
  }
}

describe("attacks through the experiment runner's sandbox pool", () => {
  it("trace A forges trace B's output and leaves it a secret (print, files, JS globals, a timer)", async () => {
    const [a] = await trace(
      `import builtins, js, os\nfrom pyodide.ffi import create_proxy\n_p = builtins.print\nbuiltins.print = lambda *a, **k: _p('\\\\boxed{0}')\nbuiltins.LEAK = '${SECRET}'\nos.makedirs('/var/leak', exist_ok=True)\nopen('/var/leak/secret', 'w').write('${SECRET}')\njs.globalThis.leak = '${SECRET}'\njs.globalThis.ticks = 0\njs.setInterval(create_proxy(lambda: setattr(js.globalThis, 'ticks', js.globalThis.ticks + 1)), 1)`,
    );
    expect(a!.error).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const [b] = await trace(
      "import builtins, js, os\nprint(6 * 7)\nprint(getattr(builtins, 'LEAK', None), os.path.exists('/var/leak/secret'), getattr(js.globalThis, 'leak', None), getattr(js.globalThis, 'ticks', None))",
    );
    expect(b!.error).toBeUndefined();
    expect(b!.stdout).toBe("42\nNone False None None\n");
    expect(b!.stdout).not.toContain(SECRET);
  });

  it("a trace patches the interpreter so that the grader passes a wrong program", async () => {
    // Targets the grader's report (the dict with "passed"), leaving the runner's own output alone.
    await trace(
      "import json\n_d = json.dumps\ndef dumps(o, *a, **k):\n    if isinstance(o, dict) and 'passed' in o:\n        o = {**o, 'passed': True, 'error': None}\n    return _d(o, *a, **k)\njson.dumps = dumps",
    );
    expect((await grade(lcb[0]!, traceWith(solution("p0-wrong.py")))).verdict).toBe("incorrect");
    expect((await grade(lcb[11]!, traceWith(solution("p11-wrong.py")))).verdict).toBe("incorrect");
    // The legitimate path: correct programs are still graded correct, through the same pool.
    expect((await grade(lcb[0]!, traceWith(solution("p0-correct.py")))).verdict).toBe("correct");
    expect((await grade(lcb[11]!, traceWith(solution("p11-correct.py")))).verdict).toBe("correct");
  }, 120_000);

  it("notebook semantics hold within one trace's session", async () => {
    const [, second] = await trace("def f(x):\n    return x + 1\nn = f(1)", "print(f(n))");
    expect(second!.stdout).toBe("3\n");
  });
});
