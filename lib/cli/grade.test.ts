import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const HAS_BUNDLE = fs.existsSync(path.join(ROOT, "public/pyodide/sympy-bundle.zip"));
const hintlab = (args: string[], input?: string) =>
  spawnSync(process.execPath, [path.join(ROOT, "bin/hintlab.mjs"), "grade", ...args], { encoding: "utf8", input, timeout: 120_000 });

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

  it("says what to fix on bad usage", () => {
    const r = hintlab(["--gold", "1"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/give --gold and --pred, or --file/);
  });
});
