import { spawn } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { backends, dbEnv, testDbLocation } from "@/lib/db/test-backends";

const ROOT = path.resolve(import.meta.dirname, "../..");
const R1 = path.join(ROOT, "e2e/fixtures/data/r1-distill-math-40.jsonl");
const GOLDEN = path.join(ROOT, "lib/export/__golden__");

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "hintlab-cli-test-"));
  mkdirSync(path.join(dir, "tmp"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function hintlab(args: string[], db: string, onSpawn?: (child: ReturnType<typeof spawn>) => void): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, "bin/hintlab.mjs"), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", TMPDIR: path.join(dir, "tmp"), NODE_ENV: "production", ...dbEnv(db), HINTLAB_DATA_DIR: dir },
    });
    onSpawn?.(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

// The exports read what the import stored: byte-identical to the golden files on each backend.
describe.each(backends)("hintlab import / export (%s)", (backend) => {
  it("imports a file (exit 0), then exports every format byte-identical to the golden files", async () => {
    const db = testDbLocation(backend, dir, "golden.db");
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
});

describe("hintlab import / export", () => {
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

  it.skipIf(process.platform !== "linux")("an import killed with SIGKILL while its spool is on disk leaves no file behind", async () => {
    // ~45 MB of distinct traces: past the 32 MB the import keeps in memory before it spills.
    const file = path.join(dir, "big.jsonl");
    const lines = readFileSync(R1, "utf8").split("\n").filter(Boolean);
    const out = createWriteStream(file);
    for (let k = 0; k < 3800; k++) {
      const rec = JSON.parse(lines[k % lines.length]!) as { id: string };
      out.write(JSON.stringify({ ...rec, id: `${rec.id}-${k}` }) + "\n");
    }
    await new Promise((resolve) => out.end(resolve));
    const db = path.join(dir, "killed.db");
    // Beside the database, and in the CLI's own TMPDIR (where tsx keeps its compile cache, not ours).
    const leftovers = () => [...readdirSync(dir).filter((f) => f.includes("hintlab-import")), ...readdirSync(path.join(dir, "tmp")).filter((f) => !f.startsWith("tsx-"))];
    let sawSpool = false;
    // bin/hintlab.mjs runs the CLI in a child process: that one (the grandchild here) does the import.
    const childOf = (pid: number) =>
      readdirSync("/proc")
        .filter((d) => /^\d+$/.test(d))
        .find((d) => {
          try {
            return readFileSync(`/proc/${d}/stat`, "utf8").split(") ")[1]!.split(" ")[1] === String(pid);
          } catch {
            return false;
          }
        });
    const run = await hintlab(["import", file], db, (wrapper) => {
      const poll = setInterval(() => {
        const cli = childOf(wrapper.pid!);
        if (!cli) return;
        let fds: string[] = [];
        try {
          fds = readdirSync(`/proc/${cli}/fd`).map((fd) => readlinkSync(`/proc/${cli}/fd/${fd}`));
        } catch {
          return;
        }
        // The spool is open, and already nameless: kill the import mid-way.
        if (fds.some((t) => t.includes(".hintlab-import-") && t.endsWith(" (deleted)"))) {
          sawSpool = true;
          clearInterval(poll);
          process.kill(Number(cli), "SIGKILL");
        }
      }, 20);
      wrapper.on("exit", () => clearInterval(poll));
    });
    expect(sawSpool, run.stderr).toBe(true);
    expect(run.code).toBe(1); // the wrapper passes on that its CLI died
    expect(run.stdout).toBe(""); // no report: it was killed before the transaction
    expect(leftovers()).toEqual([]);
    // The next import of the same file runs to the end, stores everything, and leaves nothing either.
    const again = await hintlab(["import", file], db);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ committed: true, imported: 3800 });
    expect(leftovers()).toEqual([]);
  }, 180_000);
});
