// `npm run bench`: run every benchmark in bench/ (each *.mjs, in name order), one after another.
// Each prints its own figures. They all get the app's URL as their first argument: the one given
// here (`node scripts/bench-all.mjs http://localhost:3000`, or $HINTLAB_URL), else an app started
// here once for all of them (node scripts/start.mjs on a free port; builds if needed).
// Exit code 1 when a bench failed or missed its targets.
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const benches = readdirSync(path.join(ROOT, "bench"))
  .filter((f) => f.endsWith(".mjs"))
  .sort();

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startApp() {
  const port = await freePort();
  let log = "";
  const child = spawn(process.execPath, ["scripts/start.mjs"], {
    cwd: ROOT,
    env: { ...process.env, HINTLAB_PORT: String(port), HINTLAB_DATA_DIR: path.join(ROOT, "bench/out/data") },
    detached: true, // own process group: stopping it stops next start too
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 300_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the app exited (${child.exitCode}):\n${log.slice(-4000)}`);
    if (await fetch(`${url}/api/config`).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) throw new Error(`the app did not answer within 300 s:\n${log.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    process.kill(-child.pid, "SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid, "SIGKILL");
  };
  return { url, stop };
}

function runBench(file, url) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [path.join("bench", file), url], { cwd: ROOT, stdio: "inherit", env: process.env });
    child.on("exit", (code, signal) => resolve({ file, code: code ?? (signal ? 1 : 0), seconds: (Date.now() - started) / 1000 }));
  });
}

const given = process.argv[2] ?? process.env.HINTLAB_URL;
const app = given ? { url: given.replace(/\/$/, ""), stop: async () => {} } : await startApp();
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
