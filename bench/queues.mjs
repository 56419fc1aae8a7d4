#!/usr/bin/env node
// Annotation-queue bookkeeping at the size of a Hint-RFT selection: creating a queue over N
// traces (default 5,000; BENCH_QUEUE_ITEMS; the cap is 20,000), the latency of an annotator's
// "Next" (lease), of a review (which recomputes the item's final version), of the researcher's
// page (progress, agreement, disagreements) and of the queue list, at the start and with half the
// items done. Claim on demand, 20% overlap with 2 annotators, 5 annotators, on a fresh temp
// database (removed at the end). The traces are short copies of a real R1-distill completion:
// this measures the queue tables, not trace loading. The work is in queues.mts.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const result = spawnSync(process.execPath, ["--conditions=react-server", "--import", "tsx", path.join(ROOT, "bench/queues.mts"), ...process.argv.slice(2)], {
  stdio: "inherit",
  cwd: ROOT,
  env: { ...process.env, TSX_TSCONFIG_PATH: path.join(ROOT, "tsconfig.json") },
});
process.exit(result.status ?? 1);
