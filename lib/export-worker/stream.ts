import "server-only";
import { statSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { FromWorkerSchema, type ToWorker } from "./messages";
import type { ExportJob } from "./lines";
import { workerScript } from "./bundle";

/**
 * Page size (traces) handed to a worker: small enough that two workers stay balanced and the
 * out-of-order pages held here stay few, big enough that a page fills whole chunks.
 */
const PAGE = 256;
/** Chunks a worker may have posted that the client has not taken yet (each ~1 MB). */
const CREDIT = 2;
/** Pages a worker holds (the one it exports and the next), so it never waits for a page. */
const AHEAD = 2;

/**
 * Workers left from finished exports, for the next one: a worker's start (evaluating the bundle:
 * zod, the schemas, the export modules; ~0.1 s) is paid once, not per export. Each idles at most
 * IDLE_MS (unreferenced: it never keeps the process alive; ~40 MB of RSS while it waits); an
 * export that fails or is cancelled terminates its workers instead of returning them.
 */
const IDLE_MS = 60_000;
const MAX_IDLE = 4;
/**
 * Workers in exports at once, all exports together: each worker holds an isolate, a connection
 * and a few chunks (~50-90 MB of RSS while it works), so concurrent exports beyond this share the
 * request thread as before (the in-process path) instead of multiplying that.
 */
const MAX_LIVE = 4;
const g = globalThis as unknown as { __hintlabExportIdle?: { worker: Worker; script: string; timer: NodeJS.Timeout }[]; __hintlabExportLive?: { n: number } };
const idle = (g.__hintlabExportIdle ??= []);
const live = (g.__hintlabExportLive ??= { n: 0 });
let runs = 0;

/** A script and its version: a worker of an older bundle (rebuilt under a dev server) is not reused. */
function scriptVersion(file: string): string {
  try {
    return `${file}@${statSync(file).mtimeMs}`;
  } catch {
    return file;
  }
}

function takeWorker(file: string, script: string): Worker {
  const i = idle.findIndex((e) => e.script === script);
  if (i >= 0) {
    const [e] = idle.splice(i, 1);
    clearTimeout(e!.timer);
    return e!.worker;
  }
  const w = new Worker(file, { execArgv: ["--conditions=react-server"] });
  w.unref();
  // An idle worker that dies leaves the pool.
  w.on("exit", () => {
    const k = idle.findIndex((e) => e.worker === w);
    if (k >= 0) idle.splice(k, 1);
  });
  return w;
}

function returnWorker(w: Worker, script: string): void {
  w.unref();
  if (idle.length >= MAX_IDLE) {
    void w.terminate();
    return;
  }
  const timer = setTimeout(() => {
    const k = idle.findIndex((e) => e.worker === w);
    if (k >= 0) idle.splice(k, 1);
    void w.terminate();
  }, IDLE_MS);
  timer.unref();
  idle.push({ worker: w, script, timer });
}

interface PageState {
  chunks: { bytes: ArrayBuffer; length: number; from: Worker }[];
  done: boolean;
}

/**
 * The export's bytes, read and encoded by `workers` worker threads, each with its own read-only
 * connection to `dbFile`. The ids come from `ids` (the selection, in order) on this thread,
 * `pageSize` at a time: one reader of the selection, so the workers cannot disagree about it. Each
 * page goes to one worker; pages come back in any order and leave here in selection order. Memory
 * is bounded: a worker posts a chunk only against a credit, and a credit is returned only when the
 * client pulls a chunk (highWaterMark 0), so a slow client stops the workers' reads. Cancelling the
 * stream (the client went away) terminates the workers.
 */
export function workerExportStream(
  dbFile: string,
  ids: Iterator<string>,
  job: ExportJob,
  workers: number,
  {
    pageSize = PAGE,
    onChunk,
    inProcess,
  }: {
    pageSize?: number;
    onChunk?: (bytes: number) => void;
    /** The chunks of the ids left, made on this thread: used when MAX_LIVE workers are already exporting. */
    inProcess?: (ids: Iterator<string>) => Iterator<Buffer>;
  } = {},
): ReadableStream<Uint8Array> {
  const run = ++runs;
  let script = ""; // the workers' script and its version, as they were started
  const pool: Worker[] = [];
  const pages = new Map<number, PageState>();
  let head = 0; // next page to send to the client
  let assigned = 0; // pages handed out so far
  let exhausted = false;
  let ended = false;
  let started = false;
  let local: Iterator<Buffer> | undefined;
  let failed: Error | undefined;
  let wake: (() => void) | undefined;
  const signal = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const send = (w: Worker, m: ToWorker) => w.postMessage(m);

  /** The next `pageSize` ids of the selection, or undefined when it is exhausted. */
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

  const onMessage = (w: Worker) => (raw: unknown) => {
    // Checked, never thrown: this runs on the server's event loop, outside any request's handler.
    const parsed = FromWorkerSchema.safeParse(raw);
    if (!parsed.success) {
      failed ??= new Error("export worker: unexpected message");
      signal();
      return;
    }
    const m = parsed.data;
    if (m.run !== run) return;
    if (m.type === "chunk") {
      pages.get(m.page)?.chunks.push({ bytes: m.bytes, length: m.length, from: w });
      onChunk?.(m.length);
    }
    else if (m.type === "page-done") {
      const page = pages.get(m.page);
      if (page) page.done = true;
      if (!assign(w)) send(w, { type: "stop" });
    } else failed ??= new Error(m.message);
    signal();
  };
  const onError = (e: Error) => {
    failed ??= e;
    signal();
  };
  // A worker ends only when terminated here: any other exit loses its pages.
  const onExit = (code: number) => {
    if (!ended) failed ??= new Error(`export worker exited with code ${code}`);
    signal();
  };
  const listeners = new Map<Worker, (raw: unknown) => void>();
  const detach = (w: Worker) => {
    w.off("message", listeners.get(w)!);
    w.off("error", onError);
    w.off("exit", onExit);
  };
  /** The end of the export: finished, the workers go back to the pool; failed or cancelled, they are terminated. */
  const end = (finished: boolean) => {
    if (ended) return;
    ended = true;
    live.n -= pool.length;
    local?.return?.();
    for (const w of pool) {
      detach(w);
      if (finished) returnWorker(w, script);
      else void w.terminate();
    }
    ids.return?.(undefined);
  };

  const start = async () => {
    const file = await workerScript();
    script = scriptVersion(file);
    if (ended) return; // cancelled meanwhile
    const n = Math.min(workers, MAX_LIVE - live.n);
    if (n <= 0 && inProcess) {
      local = inProcess(ids);
      return;
    }
    for (let i = 0; i < Math.max(1, n); i++) {
      const w = takeWorker(file, script);
      pool.push(w);
      live.n++;
      const listener = onMessage(w);
      listeners.set(w, listener);
      w.on("message", listener);
      w.on("error", onError);
      w.on("exit", onExit);
      send(w, { type: "start", run, dbFile, job });
      send(w, { type: "credit", n: CREDIT });
    }
    // Pages in turn (0 to the first worker, 1 to the second, …), AHEAD each. A worker is told to
    // stop when a page it finished finds no next one; one that got no page at all, at once.
    const given = new Map(pool.map((w) => [w, 0]));
    for (let k = 0; k < AHEAD; k++) for (const w of pool) if (assign(w)) given.set(w, given.get(w)! + 1);
    for (const [w, n] of given) if (n === 0) send(w, { type: "stop" });
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!started) {
          started = true;
          await start();
        }
        if (local) {
          const next = local.next();
          if (next.done) {
            end(true);
            controller.close();
          } else controller.enqueue(next.value);
          return;
        }
        for (;;) {
          if (failed) {
            end(false);
            controller.error(failed);
            return;
          }
          const page = pages.get(head);
          if (!page) {
            // Every page assigned and sent: the selection is done.
            if (exhausted && head >= assigned) {
              end(true);
              controller.close();
              return;
            }
          } else if (page.chunks.length) {
            // Copied out (a memcpy: ~0.1 ms per MB) so the worker gets its memory back at once;
            // the client may hold the copy as long as it likes (a socket's write queue).
            const { bytes, length, from } = page.chunks.shift()!;
            controller.enqueue(Buffer.from(new Uint8Array(bytes, 0, length)));
            from.postMessage({ type: "credit", n: 1, bytes } satisfies ToWorker, [bytes]);
            return;
          } else if (page.done) {
            pages.delete(head++);
            continue;
          }
          // Referenced only while a read waits for them: a stream nobody reads keeps no process alive.
          for (const w of pool) w.ref();
          await new Promise<void>((r) => (wake = r));
          for (const w of pool) w.unref();
        }
      },
      cancel() {
        end(false);
      },
    },
    { highWaterMark: 0 },
  );
}
