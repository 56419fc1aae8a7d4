#!/usr/bin/env node
// A throwaway PostgreSQL cluster for the store's tests (issue 14 item 6): initdb in a temp dir,
// pg_ctl start on a free port, trust auth on localhost only, stopped and deleted afterwards.
//
//   node scripts/pg-test-server.mjs -- npx vitest run lib/db
//     starts a cluster, runs the command with HINTLAB_TEST_DATABASE_URL set, stops the cluster.
//   node scripts/pg-test-server.mjs start   prints the URL and leaves the cluster running
//                                           (stop it with `node scripts/pg-test-server.mjs stop DIR`).
//
// Postgres refuses to run as root, so as root the cluster is owned by and run as the `postgres`
// user (Debian's package creates it). Binaries: PG_BIN, else the newest /usr/lib/postgresql/*/bin.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

function pgBin() {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) throw new Error("PostgreSQL not found: install it (apt-get install -y postgresql) or set PG_BIN");
  const versions = readdirSync(root).filter((v) => existsSync(path.join(root, v, "bin", "initdb"))).sort((a, b) => Number(b) - Number(a));
  if (!versions.length) throw new Error("no initdb under /usr/lib/postgresql/*/bin");
  return path.join(root, versions[0], "bin");
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const asRoot = process.getuid?.() === 0;
function runPg(bin, args) {
  const cmd = path.join(pgBin(), bin);
  const r = asRoot ? spawnSync("runuser", ["-u", "postgres", "--", cmd, ...args], { encoding: "utf8" }) : spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(" ")} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

export async function startPgServer() {
  const dir = mkdtempSync(path.join(tmpdir(), "hintlab-pg-"));
  const data = path.join(dir, "data");
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  runPg("initdb", ["-D", data, "-U", "hintlab", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]);
  const port = await freePort();
  // fsync off: a test cluster is thrown away, durability only costs time.
  runPg("pg_ctl", ["-D", data, "-l", path.join(dir, "log"), "-w", "-o", `-p ${port} -k ${dir} -h 127.0.0.1 -F -c max_connections=200`, "start"]);
  const url = `postgres://hintlab@127.0.0.1:${port}/postgres`;
  return { dir, url, stop: () => stopPgServer(dir) };
}

export function stopPgServer(dir) {
  try {
    runPg("pg_ctl", ["-D", path.join(dir, "data"), "-m", "immediate", "-w", "stop"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  if (args[0] === "stop") {
    stopPgServer(args[1]);
  } else if (args[0] === "start") {
    const { dir, url } = await startPgServer();
    console.log(`HINTLAB_TEST_DATABASE_URL=${url}\n# stop: node scripts/pg-test-server.mjs stop ${dir}`);
  } else {
    const cmd = args[0] === "--" ? args.slice(1) : args;
    if (!cmd.length) {
      console.error("usage: pg-test-server.mjs start | stop DIR | -- COMMAND...");
      process.exit(2);
    }
    const server = await startPgServer();
    let status = 1;
    try {
      status = spawnSync(cmd[0], cmd.slice(1), { stdio: "inherit", env: { ...process.env, HINTLAB_TEST_DATABASE_URL: server.url } }).status ?? 1;
    } finally {
      server.stop();
    }
    process.exit(status);
  }
}
