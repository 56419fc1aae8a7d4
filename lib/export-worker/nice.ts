import { readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";

// Exports are background work: on Linux this thread (setpriority takes a thread id there) runs
// NICE_BY below the process, so when the cores are busy the request thread is scheduled first.
// Elsewhere, or when refused, it runs at the process's priority.
const NICE_BY = 5;
try {
  const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
  if (Number.isInteger(tid) && tid > 0) setPriority(tid, Math.min(19, getPriority(tid) + NICE_BY));
} catch {
  // not Linux, or not permitted: no change
}
