#!/usr/bin/env node
// Grading that cannot hang, measured through the CLI (`hintlab grade --file`), end to end:
//
//   node bench/grading-pathological.mjs [ignored appURL]     BENCH_PER_PAIR_MS (default 2000), BENCH_TIMEOUT_MS (default 600000)
//
// Prints the time for the 300 labelled pairs of lib/grading/__fixtures__/pairs.jsonl ("normal"),
// for the same 300 plus the 10 pathological pairs of __fixtures__/pathological.jsonl (answers
// such as 10^{10^{10}} whose parsing alone takes minutes), the bound that second run must meet
// (normal time + 10 x the per-pair limit), and the time to compare two 10,000-element sets
// (equal, reordered and written differently; and unequal in one element). Checks that the
// normal pairs keep their verdicts next to the pathological ones and that every pathological
// pair is reported as ungradable. Exit code 1 when a target is missed.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OUT = path.join(ROOT, "bench/out");
const LIMIT_MS = Number(process.env.BENCH_PER_PAIR_MS ?? 2000);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 600_000);
const SET_TARGET_MS = 10_000;
const jsonl = (file) => readFileSync(path.join(ROOT, file), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));

// Async spawn in its own process group: on timeout the whole group goes (the CLI runs under a
// wrapper, and its sandbox processes are grandchildren that would otherwise keep running).
function grade(name, pairs) {
  const file = path.join(OUT, `grading-pathological-${name}.jsonl`);
  writeFileSync(file, pairs.map(({ gold, pred }) => JSON.stringify({ gold, pred })).join("\n") + "\n");
  const t0 = performance.now();
  const child = spawn(process.execPath, [path.join(ROOT, "bin/hintlab.mjs"), "grade", "--per-pair-ms", String(LIMIT_MS), "--file", file], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    process.kill(-child.pid, "SIGKILL");
  }, TIMEOUT_MS);
  return new Promise((resolve, reject) =>
    child.on("close", (status) => {
      clearTimeout(timer);
      const ms = performance.now() - t0;
      if (timedOut) return resolve({ ms, timedOut: true, verdicts: [] });
      if (status !== 0) return reject(new Error(`${name}: hintlab grade exited ${status}: ${stderr}`));
      resolve({ ms, timedOut: false, verdicts: stdout.trim().split("\n").map((l) => JSON.parse(l)) });
    }),
  );
}

const secs = (r) => (r.timedOut ? `> ${(TIMEOUT_MS / 1000).toFixed(0)} s (killed)` : `${(r.ms / 1000).toFixed(2)} s`);
mkdirSync(OUT, { recursive: true });
const normal = jsonl("lib/grading/__fixtures__/pairs.jsonl").slice(0, 300);
const bad = jsonl("lib/grading/__fixtures__/pathological.jsonl");
// Pathological pairs spread through the file, as they come in real outputs.
const mixed = [...normal];
bad.forEach((p, k) => mixed.splice(Math.round(((k + 1) * normal.length) / (bad.length + 1)) + k, 0, p));

const n = await grade("normal", normal);
const m = await grade("mixed", mixed);
const bound = n.ms + bad.length * LIMIT_MS;
const key = (v) => JSON.stringify(v);
const normalKept = !m.timedOut && mixed.every((p, k) => !normal.includes(p) || key(m.verdicts[k]) === key(n.verdicts[normal.indexOf(p)]));
const badMarked = !m.timedOut && mixed.every((p, k) => !bad.includes(p) || m.verdicts[k]?.ungradable === "time limit");
const labelled = n.verdicts.filter((v, k) => v.equivalent === normal[k].equivalent).length;

const elems = Array.from({ length: 10_000 }, (_, k) => k + 1);
const shuffled = [...elems].sort((a, b) => ((a * 7919) % 10_007) - ((b * 7919) % 10_007));
// Boxed: a bare answer that long is not taken whole (extractFinalAnswer).
const gold = `\\boxed{\\{${elems.join(", ")}\\}}`;
const sets = [
  { gold, pred: `\\boxed{\\{${shuffled.map((k) => (k % 2 ? `${k}` : `\\frac{${2 * k}}{2}`)).join(", ")}\\}}`, equivalent: true },
  { gold, pred: `\\boxed{\\{${shuffled.map((k) => (k === 5000 ? 10_001 : k)).join(", ")}\\}}`, equivalent: false },
];
const s = await grade("sets", sets);
const setsRight = !s.timedOut && s.verdicts.every((v, k) => v.equivalent === sets[k].equivalent);

console.log(`grading with pathological answers (hintlab grade --file, --per-pair-ms ${LIMIT_MS})`);
console.log(`  300 normal pairs:                  ${secs(n)}  (${labelled}/300 agree with their labels)`);
console.log(`  300 normal + ${bad.length} pathological:       ${secs(m)}  bound ${(bound / 1000).toFixed(2)} s (normal + ${bad.length} x limit)`);
console.log(`    normal verdicts unchanged: ${normalKept}; pathological marked "ungradable: time limit": ${badMarked}`);
console.log(`  two 10,000-element sets:           ${secs(s)}  verdicts right: ${setsRight}`);
const ok = !m.timedOut && m.ms <= bound && normalKept && badMarked && setsRight && s.ms < SET_TARGET_MS;
console.log(ok ? "targets met" : `TARGETS MISSED (mixed run within the bound with verdicts kept, sets right in under ${SET_TARGET_MS / 1000} s)`);
process.exit(ok ? 0 : 1);
