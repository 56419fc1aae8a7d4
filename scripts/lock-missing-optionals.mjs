// The npm registry reachable here serves no darwin/win32 builds of @next/swc, so `npm install`
// writes a lockfile without them and `npm ci` then refuses it ("Missing: @next/swc-darwin-arm64
// from lock file"). This adds lock entries for those optional, platform-specific packages (no
// integrity: npm fetches them only on their own platform, where the public registry has them).
// Run after any `npm install` that rewrites package-lock.json.
import { readFileSync, writeFileSync } from "node:fs";

const file = "package-lock.json";
const lock = JSON.parse(readFileSync(file, "utf8"));
const pkgs = lock.packages;
const platforms = { "darwin-arm64": ["darwin", "arm64"], "darwin-x64": ["darwin", "x64"], "win32-arm64-msvc": ["win32", "arm64"], "win32-x64-msvc": ["win32", "x64"] };
let added = 0;
for (const [path, meta] of Object.entries(pkgs)) {
  for (const [dep, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const m = /^@next\/swc-(.+)$/.exec(dep);
    if (!m || !platforms[m[1]]) continue;
    const key = `${path ? path + "/" : ""}node_modules/${dep}`.replace(/^node_modules\/next\/node_modules\//, "node_modules/");
    if (pkgs[key]) continue;
    const [os, cpu] = platforms[m[1]];
    pkgs[key] = { version, cpu: [cpu], license: "MIT", optional: true, os: [os], engines: { node: ">= 10" } };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(pkgs).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : a > b ? 1 : 0)));
writeFileSync(file, JSON.stringify(lock, null, 2) + "\n");
console.log(`added ${added} lock entries`);
