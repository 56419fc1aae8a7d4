// The npm registry reachable here serves no darwin/win32 builds of @next/swc and no mac/win/riscv
// builds of @node-llama-cpp/*, so `npm install` writes a lockfile without them and `npm ci` then
// refuses it ("Missing: @next/swc-darwin-arm64 from lock file"). This adds lock entries for those
// optional, platform-specific packages (no integrity: npm fetches them only on their own platform,
// where the public registry has them). Run after any `npm install` that rewrites package-lock.json.
import { readFileSync, writeFileSync } from "node:fs";

const file = process.argv[2] ?? "package-lock.json";
const lock = JSON.parse(readFileSync(file, "utf8"));
const pkgs = lock.packages;

/** [os, cpu, engines] for an optional platform package, or null when it is not one we fill in. */
function platformOf(dep) {
  const swc = { "darwin-arm64": ["darwin", "arm64"], "darwin-x64": ["darwin", "x64"], "win32-arm64-msvc": ["win32", "arm64"], "win32-x64-msvc": ["win32", "x64"] };
  let m = /^@next\/swc-(.+)$/.exec(dep);
  if (m) return swc[m[1]] ? [...swc[m[1]], { node: ">= 10" }] : null;
  m = /^@node-llama-cpp\/((win|mac|linux)-([a-z0-9]+)).*$/.exec(dep);
  if (m) {
    const os = { win: "win32", mac: "darwin", linux: "linux" }[m[2]];
    return [os, m[3].replace("armv7l", "arm"), { node: ">=20.0.0" }];
  }
  return null;
}

let added = 0;
for (const meta of Object.values(pkgs)) {
  for (const [dep, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const platform = platformOf(dep);
    if (!platform) continue;
    // Both families are hoisted: npm places them at the top of node_modules on their own platforms.
    const key = `node_modules/${dep}`;
    if (pkgs[key]) continue;
    const [os, cpu, engines] = platform;
    pkgs[key] = { version, cpu: [cpu], license: "MIT", optional: true, os: [os], engines };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(pkgs).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : a > b ? 1 : 0)));
writeFileSync(file, JSON.stringify(lock, null, 2) + "\n");
console.log(`added ${added} lock entries`);
