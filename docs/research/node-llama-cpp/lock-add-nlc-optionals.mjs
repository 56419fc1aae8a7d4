// Same idea as /work/main/scripts/lock-missing-optionals.mjs, for node-llama-cpp: the registry reachable here
// serves no 3.22.1 build of the mac/win/riscv @node-llama-cpp/* packages, so `npm install` writes a lock without
// them and `npm ci` refuses it ("Missing: @node-llama-cpp/win-x64@ from lock file"). Adds os/cpu-tagged entries.
import { readFileSync, writeFileSync } from "node:fs";
const file = process.argv[2] ?? "package-lock.json";
const lock = JSON.parse(readFileSync(file, "utf8"));
const pkgs = lock.packages;
const plat = (n) => n.startsWith("win-") ? ["win32", n.split("-")[1]] : n.startsWith("mac-") ? ["darwin", n.split("-")[1]] : ["linux", n.split("-")[1].replace("armv7l", "arm")];
let added = 0;
for (const [path, meta] of Object.entries(pkgs)) for (const [dep, version] of Object.entries(meta.optionalDependencies ?? {})) {
  const m = /^@node-llama-cpp\/(.+)$/.exec(dep); if (!m) continue;
  const key = `node_modules/${dep}`; if (pkgs[key]) continue;
  const [os, cpu] = plat(m[1]);
  pkgs[key] = { version, cpu: [cpu], license: "MIT", optional: true, os: [os], engines: { node: ">=20.0.0" } };
  added++;
}
lock.packages = Object.fromEntries(Object.entries(pkgs).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : a > b ? 1 : 0)));
writeFileSync(file, JSON.stringify(lock, null, 2) + "\n");
console.log(`added ${added} lock entries`);
