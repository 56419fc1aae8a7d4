import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const R1 = path.join(ROOT, "e2e/fixtures/data/r1-distill-math-40.jsonl");
const GOLDEN = path.join(ROOT, "lib/export/__golden__");

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "hintlab-cli-test-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function hintlab(args: string[], db: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, "bin/hintlab.mjs"), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_ENV: "production", HINTLAB_DB: db, HINTLAB_DATA_DIR: dir },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe("hintlab import / export", () => {
  it("imports a file (exit 0), then exports every format byte-identical to the golden files", async () => {
    const db = path.join(dir, "golden.db");
    const imp = await hintlab(["import", path.join(GOLDEN, "input.jsonl")], db);
    expect(imp.code, imp.stderr).toBe(0);
    expect(JSON.parse(imp.stdout)).toMatchObject({ committed: true, imported: 5 });
    for (const format of ["segments", "trl"]) {
      const out = path.join(dir, `out-${format}.jsonl`);
      const exp = await hintlab(["export", "--format", format, "--out", out], db);
      expect(exp.code, exp.stderr).toBe(0);
      expect(exp.stderr).toContain(`exported 5 ${format} lines to ${out}`);
      expect(readFileSync(out).equals(readFileSync(path.join(GOLDEN, `${format}.jsonl`)))).toBe(true);
    }
    const stdout = await hintlab(["export", "--format", "edits", "--review", "accepted"], db);
    expect(stdout.stdout).toBe(readFileSync(path.join(GOLDEN, "edits.jsonl"), "utf8"));
  });

  it("exit 3 when some lines failed, 1 when nothing was imported; the failed lines are named", async () => {
    const db = path.join(dir, "partial.db");
    const file = path.join(dir, "partial.jsonl");
    const lines = readFileSync(R1, "utf8").split("\n").filter(Boolean);
    writeFileSync(file, [lines[0], "{not json", lines[1]].join("\n"));
    const partial = await hintlab(["import", file, "--dataset", "d1"], db);
    expect(partial.code).toBe(3);
    expect(partial.stderr).toContain("imported 2 of 3 lines");
    expect(partial.stderr).toMatch(/line 2: invalid JSON/);
    const again = await hintlab(["import", file, "--mode", "all-or-nothing"], db);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("(nothing was written)");
  });

  it("refuses a file over --max-bytes, a missing file and bad options with a one-line reason", async () => {
    const db = path.join(dir, "bad.db");
    const big = await hintlab(["import", R1, "--max-bytes", "1000"], db);
    expect(big.code).toBe(1);
    expect(big.stderr).toMatch(/over the import limit of 1000 bytes; split it or pass --max-bytes/);
    const missing = await hintlab(["import", path.join(dir, "nope.jsonl")], db);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read .*nope\.jsonl: ENOENT/);
    const format = await hintlab(["export", "--format", "csv"], db);
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/format must be one of segments, openai, sharegpt, trl, edits/);
  });
});
