#!/usr/bin/env node
// Math grading throughput through the CLI (`hintlab grade --file`), end to end: process start,
// extraction, the fast JS layer, and for symbolic pairs one sandboxed Pyodide + sympy process.
//
//   node bench/grading.mjs [ignored appURL]      BENCH_PAIRS=n symbolic pairs (default 1000; 20n fast-path pairs)
//
// Prints pairs/s for a fast-path set (numbers in many forms, fractions, tuples, boxed
// responses) and a symbolic set (distinct polynomial/rational identities, half of them false),
// with the start-up cost (a one-pair run) measured apart. Checks every verdict against the
// label it was generated with. Target: each set in under 10 s end to end (the symbolic set
// runs on one Pyodide process per core, up to 4).
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OUT = path.join(ROOT, "bench/out");
const N = Number(process.env.BENCH_PAIRS ?? 1000);
const TARGET_MS = 10_000;

// Deterministic pseudo-random source, so runs compare.
let seed = 12345;
const rand = (n) => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed % n;
};

function fastPair(k) {
  const a = rand(900) + 2;
  const b = rand(97) + 3;
  const wrong = k % 2 === 1;
  const big = rand(9_000_000) + 1000;
  switch (k % 6) {
    case 0:
      return { gold: `\\frac{${a}}{${b}}`, pred: `${((wrong ? a + 1 : a) / b).toFixed(8)}`, label: !wrong };
    case 1:
    case 4:
      return { gold: `${big}`, pred: `The total is $\\boxed{${(wrong ? big + 10 : big).toLocaleString("en-US")}}$.`, label: !wrong };
    case 2:
      return { gold: `${a}.0`, pred: `\\boxed{${wrong ? a + 1 : a}}`, label: !wrong };
    case 3:
      return { gold: `\\left( ${a}, \\frac{${b}}{2} \\right)`, pred: `(${a}, ${wrong ? b : b / 2})`, label: !wrong };
    default:
      return { gold: `${a}\\sqrt{2}`, pred: `\\sqrt{${wrong ? 2 * a * a + 1 : 2 * a * a}}`, label: !wrong };
  }
}

function symbolicPair(k) {
  const a = rand(50) + 1;
  const b = rand(50) + 1;
  const wrong = k % 2 === 1;
  const c = a + b + (wrong ? 1 : 0);
  if (k % 4 < 2) return { gold: `(x+${a})(x+${b})`, pred: `x^2+${c}x+${a * b}`, label: !wrong };
  return { gold: `\\frac{x^2-${a * a}}{x-${a}} + ${b}y`, pred: `x+${wrong ? a + 1 : a}+${b}y`, label: !wrong };
}

function run(name, pairs) {
  const file = path.join(OUT, `grading-${name}.jsonl`);
  writeFileSync(file, pairs.map(({ gold, pred }) => JSON.stringify({ gold, pred })).join("\n") + "\n");
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [path.join(ROOT, "bin/hintlab.mjs"), "grade", "--file", file], { encoding: "utf8", maxBuffer: 1 << 28 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${name}: hintlab grade exited ${r.status}: ${r.stderr}`);
  const verdicts = r.stdout.trim().split("\n").map((l) => JSON.parse(l).equivalent);
  const wrong = pairs.filter((p, k) => verdicts[k] !== p.label).length;
  return { ms, wrong, count: verdicts.length };
}

// The fast layer alone, in process (no CLI start-up): what a runner grading in a loop pays.
function inProcessFastRate(pairs) {
  const file = path.join(OUT, "grading-fast-inprocess.json");
  writeFileSync(file, JSON.stringify(pairs));
  const code = `
    import { readFileSync } from "node:fs";
    import { compareMath } from ${JSON.stringify(path.join(ROOT, "lib/grading/index.ts"))};
    const pairs = JSON.parse(readFileSync(${JSON.stringify(file)}, "utf8"));
    for (const p of pairs.slice(0, 500)) compareMath(p.gold, p.pred);
    const t0 = performance.now();
    for (const p of pairs) compareMath(p.gold, p.pred);
    console.log(pairs.length / ((performance.now() - t0) / 1000));`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
    encoding: "utf8",
    env: { ...process.env, TSX_TSCONFIG_PATH: path.join(ROOT, "tsconfig.json") },
  });
  if (r.status !== 0) throw new Error(`in-process fast path: ${r.stderr}`);
  return Number(r.stdout.trim());
}

mkdirSync(OUT, { recursive: true });
const fast = Array.from({ length: N * 20 }, (_, k) => fastPair(k));
const symbolic = Array.from({ length: N }, (_, k) => symbolicPair(k));
const startFast = run("startup-fast", fast.slice(0, 1));
const startSym = run("startup-symbolic", symbolic.slice(0, 1));
const f = run("fast", fast);
const s = run("symbolic", symbolic);
const rate = (r, start) =>
  `${Math.round(r.count / (r.ms / 1000))} pairs/s end to end` +
  (r.ms > 2 * start.ms ? `, ${Math.round(r.count / ((r.ms - start.ms) / 1000))} pairs/s after start-up` : "");
const inProcess = inProcessFastRate(fast);
console.log(`grading (hintlab grade --file): ${fast.length} fast-path pairs, ${symbolic.length} symbolic pairs`);
console.log(`  start-up (1 pair):  fast ${(startFast.ms / 1000).toFixed(2)} s, symbolic ${(startSym.ms / 1000).toFixed(2)} s (incl. Pyodide + sympy import)`);
console.log(`  fast path:     ${(f.ms / 1000).toFixed(2)} s  ${rate(f, startFast)}  wrong verdicts ${f.wrong}`);
console.log(`  fast path in process (compareMath, no CLI): ${Math.round(inProcess)} pairs/s`);
console.log(`  symbolic path: ${(s.ms / 1000).toFixed(2)} s  ${rate(s, startSym)}  wrong verdicts ${s.wrong}`);
const ok = f.wrong === 0 && s.wrong === 0 && f.ms < TARGET_MS && s.ms < TARGET_MS;
console.log(ok ? "targets met" : `TARGETS MISSED (every verdict right, each set under ${TARGET_MS / 1000} s)`);
process.exit(ok ? 0 : 1);
