// `npm start`: build once if there is no production build yet, then serve on HINTLAB_HOST:HINTLAB_PORT
// (default 127.0.0.1:3000: only this machine can reach it; HINTLAB_HOST=0.0.0.0 exposes it, and then
// every page and route needs a signed-in account; see the README's "Security model").
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const port = process.env.HINTLAB_PORT || process.env.PORT || "3000";
const host = process.env.HINTLAB_HOST || "127.0.0.1";
// The server reads HINTLAB_HOST to know whether it is reachable from outside loopback.
process.env.HINTLAB_HOST = host;
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: "inherit", env: process.env });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

if (!existsSync(`${process.env.HINTLAB_DIST_DIR ?? ".next"}/BUILD_ID`) || process.argv.includes("--rebuild")) {
  console.log("[hintlab] no production build yet: building (once, ~1-2 min)…");
  run(process.execPath, ["scripts/prepare-assets.mjs"]);
  run(process.execPath, ["node_modules/next/dist/bin/next", "build"]);
} else {
  // Pyodide files live in public/ (gitignored): make sure they are there after a fresh checkout.
  run(process.execPath, ["scripts/prepare-assets.mjs"]);
}
run(process.execPath, ["node_modules/next/dist/bin/next", "start", "-p", port, "-H", host]);
