#!/usr/bin/env node
// Entry point of `npx hintlab …`. The CLI is TypeScript run through tsx, with the
// "react-server" condition so server-only modules (providers) load outside Next.js.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const main = path.join(root, "lib", "cli", "main.ts");
// Ctrl-C reaches the child too (same process group): the CLI cancels cleanly and prints its
// summary, so the wrapper must not die first — it only waits and passes the exit status on.
process.on("SIGINT", () => {});
const result = spawnSync(process.execPath, ["--conditions=react-server", "--import", "tsx", main, ...process.argv.slice(2)], {
  stdio: "inherit",
  cwd: process.cwd(),
  env: { ...process.env, TSX_TSCONFIG_PATH: path.join(root, "tsconfig.json") },
});
process.exit(result.status ?? (result.signal === "SIGINT" ? 130 : 1));
