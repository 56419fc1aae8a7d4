#!/usr/bin/env node
// Agreement of the math grader with labelled verdicts, overall and per answer class:
//
//   node bench/grading-agreement.mjs                      own cases + real responses
//   HINTLAB_OLD_GRADER=/path/to/old/lib/grading/index.ts node bench/grading-agreement.mjs
//                                                         also lists verdicts that changed
//
// Own cases: bench/data/grading-cases.jsonl ({response, gold, expected, class}, written from
// the answer classes of issue 15, each with near-miss negatives). Real responses: built from the
// fixtures (../shared/fixtures, else e2e/fixtures/data) by lib/grading/__fixtures__/real-responses.ts: R1-distill
// traces as generated, with their final boxes unwrapped, and cut inside their thinking (a
// runaway trace: never correct); ToRA trajectories; AIME reference solutions against their own
// and another problem's answer; AMC float answers. The full grader runs (fast layer + sympy in
// one sandboxed Python process). The work is in grading-agreement.mts (run through tsx).
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const result = spawnSync(process.execPath, ["--conditions=react-server", "--import", "tsx", path.join(ROOT, "bench/grading-agreement.mts"), ...process.argv.slice(2)], {
  stdio: "inherit",
  cwd: ROOT,
  env: { ...process.env, TSX_TSCONFIG_PATH: path.join(ROOT, "tsconfig.json") },
});
process.exit(result.status ?? 1);
