import "server-only";
import type { ImportJob, ImportProgress } from "@/lib/import";

/**
 * The imports under way in this process, by the id their client gave them, so the library can
 * show progress while its POST runs (GET /api/traces/import?job=ID). A finished job is kept for
 * KEEP_MS (the client's last poll), then dropped; at most MAX_JOBS are held. In memory only: a
 * job lives as long as its request, which lives in this process.
 */
const KEEP_MS = 5 * 60_000;
const MAX_JOBS = 200;

const g = globalThis as unknown as { __hintlabImportJobs?: Map<string, ImportJob & { endedAt?: number }> };
const jobs = (g.__hintlabImportJobs ??= new Map());

function prune(now: number) {
  for (const [id, job] of jobs) if (job.endedAt !== undefined && now - job.endedAt > KEEP_MS) jobs.delete(id);
  // Oldest first (insertion order): the cap drops finished jobs before running ones.
  for (const [id, job] of jobs) {
    if (jobs.size <= MAX_JOBS) break;
    if (job.endedAt !== undefined) jobs.delete(id);
  }
}

/** Register a job; its progress and end are reported through the returned functions. */
export function startImportJob(id: string, now = Date.now()): { progress: (p: ImportProgress) => void; end: (error?: string) => void } {
  prune(now);
  const job: ImportJob & { endedAt?: number } = { id, state: "running", progress: { phase: "reading", bytes: 0, lines: 0, failed: 0, total: 0, written: 0 } };
  jobs.set(id, job);
  return {
    progress: (p) => {
      job.progress = p;
    },
    end: (error) => {
      job.state = error === undefined ? "done" : "failed";
      if (error !== undefined) job.error = error;
      job.endedAt = Date.now();
    },
  };
}

export function importJob(id: string): ImportJob | undefined {
  const job = jobs.get(id);
  if (!job) return undefined;
  const { endedAt: _e, ...rest } = job;
  return rest;
}
