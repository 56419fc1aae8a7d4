import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { batchBound, mixedBatch, NORMAL, PATHOLOGICAL } from "@/lib/grading/__fixtures__/pathological";

const ROOT = path.resolve(import.meta.dirname, "../..");
const HAS_BUNDLE = fs.existsSync(path.join(ROOT, "public/pyodide/sympy-bundle.zip"));
const hintlab = (args: string[], input?: string, env?: Record<string, string>) =>
  spawnSync(process.execPath, [path.join(ROOT, "bin/hintlab.mjs"), "grade", ...args], { encoding: "utf8", input, timeout: 300_000, env: { ...process.env, ...env } });
const timedRun = (args: string[], input: string) => {
  const t0 = performance.now();
  const r = hintlab(args, input);
  return { ...r, ms: performance.now() - t0, lines: r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { equivalent: boolean; ungradable?: string }) };
};

describe("hintlab grade", () => {
  it("prints true/false for --gold/--pred, extracting the answer from a whole response", () => {
    expect(hintlab(["--gold", "7,425,000", "--pred", "So the total is $\\boxed{7425000}$."]).stdout).toBe("true\n");
    expect(hintlab(["--gold", "$\\frac{1}{2}$", "--pred", "0.25"]).stdout).toBe("false\n");
  });

  it.skipIf(!HAS_BUNDLE)("writes one verdict per line of --file, in order, symbolic pairs included", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hintlab-grade-"));
    const file = path.join(dir, "pairs.jsonl");
    const pairs = [
      { gold: "x^2-1", pred: "(x-1)(x+1)" },
      { gold: "27.0", pred: "The answer is 27." },
      { gold: "(x+1)^2", pred: "x^2+1" },
      { gold: "\\{1,2\\}", pred: "2, 1" },
      { gold: 27, pred: "\\boxed{28}" },
    ];
    fs.writeFileSync(file, pairs.map((p) => JSON.stringify(p)).join("\n") + "\nnot json\n");
    const r = hintlab(["--file", file]);
    expect(r.status).toBe(3);
    const out = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { equivalent: boolean; error?: string });
    expect(out.map((v) => v.equivalent)).toEqual([true, true, false, true, false, false]);
    expect(out[5]!.error).toMatch(/line 6/);
    expect(hintlab(["--file", "-"], JSON.stringify({ gold: "\\sqrt{12}", pred: "2\\sqrt3" }) + "\n").stdout).toBe('{"equivalent":true}\n');
  }, 120_000);

  it("takes a \"truncated\" flag per line: a response cut at its token limit is graded by explicit answers only", () => {
    const cut = "First $6$ ways for the first slot, then $6$ for the second.";
    const lines = [
      { gold: "6", pred: cut },
      { gold: "6", pred: cut, truncated: true },
      { gold: "6", pred: `So the answer is $6$. ${cut}`, truncated: true },
      { gold: "6", pred: cut, truncated: "yes" },
    ];
    const r = hintlab(["--file", "-"], lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
    const out = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { equivalent: boolean; error?: string });
    expect(out.map((v) => v.equivalent)).toEqual([true, false, true, false]);
    expect(out[3]!.error).toMatch(/"truncated" must be true or false/);
    expect(r.status).toBe(3);
  });

  it("grades a number of --file as written, not as the nearest double", () => {
    const lines = ['{"gold": 12345678901234567891, "pred": "\\\\boxed{12345678901234567891}"}', '{"gold": 12345678901234567891, "pred": 12345678901234567890}'];
    const r = hintlab(["--file", "-"], lines.join("\n") + "\n");
    expect(r.stdout).toBe('{"equivalent":true}\n{"equivalent":false}\n');
  });

  it("writes every verdict of a large file through a pipe (none lost at exit)", () => {
    const lines = Array.from({ length: 5000 }, (_, k) => JSON.stringify({ gold: `${k}`, pred: `\\boxed{${k % 3 === 0 ? k + 1 : k}}` }));
    const r = hintlab(["--file", "-"], lines.join("\n") + "\n");
    const verdicts = r.stdout.trim().split("\n").map((l) => (JSON.parse(l) as { equivalent: boolean }).equivalent);
    expect(verdicts).toEqual(lines.map((_, k) => k % 3 !== 0));
  });

  // Issue 10: the same batch as lib/grading/pathological.test.ts, through the CLI end to end.
  it.skipIf(!HAS_BUNDLE)("a file with 10 pathological answers among 300 finishes within normal time + 10 x (--per-pair-ms + restart allowance)", () => {
    const limit = 3000;
    const jsonl = (pairs: { gold: string; pred: string }[]) => pairs.map(({ gold, pred }) => JSON.stringify({ gold, pred })).join("\n") + "\n";
    const normal = timedRun(["--file", "-", "--per-pair-ms", String(limit)], jsonl(NORMAL));
    expect(normal.status).toBe(0);
    const { pairs, isBad } = mixedBatch();
    const mixed = timedRun(["--file", "-", "--per-pair-ms", String(limit)], jsonl(pairs));
    expect(mixed.status).toBe(0);
    console.log(`hintlab grade: normal ${(normal.ms / 1000).toFixed(1)} s, mixed ${(mixed.ms / 1000).toFixed(1)} s, target ${((normal.ms + 10 * limit) / 1000).toFixed(1)} s`);
    // See batchBound: 1.5 x normal for load between the two runs, and a restart allowance per pathological pair.
    expect(mixed.ms).toBeLessThan(batchBound(normal.ms, limit));
    expect(mixed.lines.filter((_, k) => isBad[k])).toEqual(PATHOLOGICAL.map(() => ({ equivalent: false, ungradable: "time limit" })));
    const kept = mixed.lines.filter((_, k) => !isBad[k]);
    // A normal pair near the limit may land on either side in two runs (at most 2); any other change is a neighbour hurt.
    const flips = NORMAL.map((_, k) => k).filter((k) => JSON.stringify(kept[k]) !== JSON.stringify(normal.lines[k]));
    expect(flips.filter((k) => kept[k]!.ungradable !== "time limit" && normal.lines[k]!.ungradable !== "time limit")).toEqual([]);
    expect(flips.length).toBeLessThanOrEqual(2);
    expect(mixed.stderr).toMatch(/1\d pair\(s\) ungradable \(time limit 1\d\)/);
  }, 400_000);

  it.skipIf(!HAS_BUNDLE)("takes the per-pair limit from $HINTLAB_GRADE_PER_PAIR_MS; --per-pair-ms wins over it", () => {
    // Three pathological pairs on one process: 3 x 0.5 s against 3 x 6 s, far apart next to
    // the start-up (sympy import) both runs pay.
    const input = PATHOLOGICAL.slice(0, 3).map(({ gold, pred }) => JSON.stringify({ gold, pred })).join("\n") + "\n";
    const env = { HINTLAB_GRADE_PER_PAIR_MS: "500", HINTLAB_GRADE_WORKERS: "1" };
    const t0 = performance.now();
    const short = hintlab(["--file", "-"], input, env);
    const shortMs = performance.now() - t0;
    const t1 = performance.now();
    const long = hintlab(["--file", "-", "--per-pair-ms", "6000"], input, env);
    const longMs = performance.now() - t1;
    for (const r of [short, long]) expect(r.stdout.trim().split("\n")).toEqual(Array(3).fill('{"equivalent":false,"ungradable":"time limit"}'));
    expect(longMs - shortMs).toBeGreaterThan(10_000);
  }, 300_000);

  it("says what to fix on bad usage", () => {
    const r = hintlab(["--gold", "1"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/give --gold and --pred, or --file/);
  });
});
