// `npm test`: every suite (typecheck, lint, unit, e2e), then one line of totals:
// "N passed, N failed". Exits non-zero if anything failed.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { startPgServer } from "./pg-test-server.mjs";

const out = "test-results";
mkdirSync(out, { recursive: true });
const totals = { passed: 0, failed: 0, skipped: 0 };
const lines = [];

function run(name, cmd, args, env = {}) {
  console.log(`\n=== ${name}: ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { stdio: "inherit", env: { ...process.env, ...env } });
  return r.status ?? 1;
}

function check(name, cmd, args) {
  const ok = run(name, cmd, args) === 0;
  totals[ok ? "passed" : "failed"]++;
  lines.push(`${name}: ${ok ? "ok" : "FAILED"}`);
}

function suite(name, cmd, args, report, count, env) {
  rmSync(report, { force: true });
  const status = run(name, cmd, args, env);
  if (!existsSync(report)) {
    totals.failed++;
    lines.push(`${name}: no report (exit ${status})`);
    return;
  }
  const c = count(JSON.parse(readFileSync(report, "utf8")));
  if (status !== 0 && c.failed === 0) c.failed = 1; // a crash outside any test still fails the suite
  totals.passed += c.passed;
  totals.failed += c.failed;
  totals.skipped += c.skipped;
  lines.push(`${name}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
}

const npx = "node_modules/.bin/";
check("typecheck", `${npx}tsc`, ["--noEmit", "-p", "."]);
check("lint", `${npx}eslint`, [".", "--max-warnings", "0"]);
// The store's suites run against SQLite and, with a throwaway PostgreSQL cluster, against
// PostgreSQL too (lib/db/test-backends.ts reads HINTLAB_TEST_DATABASE_URL). CI installs
// PostgreSQL (.ci/run), so there a cluster that cannot start is a failure; elsewhere the
// PostgreSQL half is skipped with a note.
let pg;
try {
  pg = await startPgServer();
  lines.push(`postgresql: throwaway cluster for the store suites (${pg.url.replace(/\/\/[^@]*@/, "//")})`);
} catch (e) {
  const why = e instanceof Error ? e.message : String(e);
  if (process.env.CI || process.env.HINTLAB_REQUIRE_PG) {
    totals.failed++;
    lines.push(`postgresql: FAILED to start a test cluster: ${why}`);
  } else lines.push(`postgresql: not available (${why}); the store suites ran on SQLite only`);
}
try {
  suite(
    "unit",
    `${npx}vitest`,
    ["run", "--reporter=default", "--reporter=json", `--outputFile=${out}/unit.json`],
    `${out}/unit.json`,
    (r) => ({
      passed: r.numPassedTests,
      failed: r.numFailedTests,
      skipped: r.numPendingTests + (r.numTodoTests ?? 0),
    }),
    pg ? { HINTLAB_TEST_DATABASE_URL: pg.url } : {},
  );
} finally {
  pg?.stop();
}
suite(
  "e2e",
  `${npx}playwright`,
  ["test", "--reporter=list,json"],
  `${out}/e2e.json`,
  (r) => ({ passed: r.stats.expected + (r.stats.flaky ?? 0), failed: r.stats.unexpected, skipped: r.stats.skipped }),
  { PLAYWRIGHT_JSON_OUTPUT_NAME: `${out}/e2e.json`, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: "1" },
);

console.log("\n=== summary");
for (const l of lines) console.log(l);
console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ""}`);
process.exit(totals.failed ? 1 : 0);
