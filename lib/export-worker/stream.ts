import "server-only";
import { Worker } from "node:worker_threads";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { FromWorkerSchema, type ToWorker } from "./messages";
import type { ExportJob } from "./lines";

/**
 * Page size (traces) handed to a worker: small enough that two workers stay balanced and the
 * out-of-order pages held here stay few, big enough that a page fills whole chunks.
 */
const PAGE = 256;
/** Chunks a worker may have posted that the client has not taken yet (each ~1 MB). */
const CREDIT = 2;
/** Pages a worker holds (the one it exports and the next), so it never waits for a page. */
const AHEAD = 2;

function workerFile(): string {
  // Beside this file in the source tree (tsx, vitest); in Next's server bundle this file's URL is
  // the bundle's, so the source tree from the working directory; HINTLAB_EXPORT_WORKER overrides.
  if (process.env.HINTLAB_EXPORT_WORKER) return process.env.HINTLAB_EXPORT_WORKER;
  const here = path.dirname(fileURLToPath(import.meta.url));
  const f = path.join(here, "worker.mjs");
  return existsSync(f) ? f : path.resolve("lib/export-worker/worker.mjs");
}

interface PageState {
  chunks: { bytes: Buffer; from: Worker }[];
  done: boolean;
}

/**
 * The export's bytes, read and encoded by `workers` worker threads, each with its own read-only
 * connection to `dbFile`. The ids come from `ids` (the selection, in order) on this thread,
 * `pageSize` at a time: one reader of the selection, so the workers cannot disagree about it. Each page goes
 * to one worker; pages come back in any order and leave here in selection order. Memory is
 * bounded: a worker posts a chunk only against a credit, and a credit is returned only when the
 * client pulls a chunk (highWaterMark 0), so a slow client stops the workers' reads. Cancelling the
 * stream (the client went away) terminates the workers.
 */
export function workerExportStream(dbFile: string, ids: Iterator<string>, job: ExportJob, workers: number, pageSize = PAGE): ReadableStream<Uint8Array> {
  const pool: Worker[] = [];
  const pages = new Map<number, PageState>();
  let head = 0; // next page to send to the client
  let assigned = 0; // pages handed out so far
  let exhausted = false;
  let failed: Error | undefined;
  let wake: (() => void) | undefined;
  const signal = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const send = (w: Worker, m: ToWorker) => w.postMessage(m);

  /** The next PAGE ids of the selection, or undefined when it is exhausted. */
  const nextPage = (): string[] | undefined => {
    if (exhausted) return undefined;
    const page: string[] = [];
    for (let n = ids.next(); ; n = ids.next()) {
      if (n.done) {
        exhausted = true;
        break;
      }
      page.push(n.value);
      if (page.length >= pageSize) break;
    }
    return page.length ? page : undefined;
  };
  const assign = (w: Worker): boolean => {
    const page = nextPage();
    if (!page) return false;
    pages.set(assigned, { chunks: [], done: false });
    send(w, { type: "page", page: assigned++, ids: page });
    return true;
  };
  let ended = false;
  const stopAll = () => {
    ended = true;
    for (const w of pool) void w.terminate();
    ids.return?.(undefined);
  };

  const start = () => {
    const file = workerFile();
    for (let i = 0; i < workers; i++) {
      const w = new Worker(file, { execArgv: ["--conditions=react-server"], workerData: { dbFile, job } });
      // Referenced only while a read waits for it (pull below): a stream nobody reads must not keep the process alive.
      w.unref();
      pool.push(w);
      w.on("message", (raw: unknown) => {
        const m = FromWorkerSchema.parse(raw);
        if (m.type === "chunk") pages.get(m.page)?.chunks.push({ bytes: Buffer.from(m.bytes, 0, m.length), from: w });
        else if (m.type === "page-done") {
          pages.get(m.page)!.done = true;
          if (!assign(w)) send(w, { type: "stop" });
        } else failed ??= new Error(m.message);
        signal();
      });
      w.on("error", (e) => {
        failed ??= e;
        signal();
      });
      // A worker ends only when told to (stop, or terminated here): any other exit loses its pages.
      w.on("exit", (code) => {
        if (!ended && code !== 0) failed ??= new Error(`export worker exited with code ${code}`);
        signal();
      });
      send(w, { type: "credit", n: CREDIT });
    }
    // Pages in turn (0 to the first worker, 1 to the second, …), AHEAD each.
    for (let k = 0; k < AHEAD; k++) for (const w of pool) if (!assign(w) && k === 0) send(w, { type: "stop" });
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!pool.length) start();
        for (;;) {
          if (failed) {
            stopAll();
            controller.error(failed);
            return;
          }
          const page = pages.get(head);
          if (!page) {
            // Every page assigned and sent: the selection is done.
            if (exhausted && head >= assigned) {
              stopAll();
              controller.close();
              return;
            }
          } else if (page.chunks.length) {
            const { bytes, from } = page.chunks.shift()!;
            controller.enqueue(bytes);
            send(from, { type: "credit", n: 1 });
            return;
          } else if (page.done) {
            pages.delete(head++);
            continue;
          }
          for (const w of pool) w.ref();
          await new Promise<void>((r) => (wake = r));
          for (const w of pool) w.unref();
        }
      },
      cancel() {
        stopAll();
      },
    },
    { highWaterMark: 0 },
  );
}
