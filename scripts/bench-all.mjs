// `npm run bench`: run every benchmark in bench/ (each *.mjs, in name order), one after another.
// Each prints its own figures. They all get the app's URL as their first argument: the one given
// here (`node scripts/bench-all.mjs http://localhost:3000`, or $HINTLAB_URL), else an app started
// here once for all of them (node scripts/start.mjs on a free port; builds if needed).
// Exit code 1 when a bench failed or missed its targets.
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { ROOT, startApp } from "../bench/lib/app.mjs";
const benches = readdirSync(path.join(ROOT, "bench"))
  .filter((f) => f.endsWith(".mjs"))
  .sort();

function runBench(file, url) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [path.join("bench", file), url], { cwd: ROOT, stdio: "inherit", env: process.env });
    child.on("exit", (code, signal) => resolve({ file, code: code ?? (signal ? 1 : 0), seconds: (Date.now() - started) / 1000 }));
  });
}

const given = process.argv[2] ?? process.env.HINTLAB_URL;
const app = given ? { url: given.replace(/\/$/, ""), stop: async () => {} } : await startApp({ HINTLAB_DATA_DIR: path.join(ROOT, "bench/out/data") });
const results = [];
try {
  for (const file of benches) {
    console.log(`\n=== bench/${file} (app ${app.url}) ===`);
    results.push(await runBench(file, app.url));
  }
} finally {
  await app.stop();
}

console.log("\n=== benchmarks ===");
for (const r of results) console.log(`${r.code === 0 ? "ok    " : "FAILED"}  bench/${r.file}  (${r.seconds.toFixed(0)} s${r.code ? `, exit ${r.code}` : ""})`);
process.exitCode = results.some((r) => r.code !== 0) ? 1 : 0;
