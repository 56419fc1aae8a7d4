/**
 * An export worker: for each export it is given (start … stop), its own read-only connection,
 * the pages of ids the main thread sends, each page's lines encoded into ~1 MB chunks
 * (exportChunks, as in-process) and posted with their memory transferred (and handed back after
 * the main thread copied them out, for the next chunks). A chunk is posted only against a
 * credit, and credits come back only as the client takes chunks: a slow client stops the reads
 * here instead of growing memory. Between exports it idles in stream.ts's pool; it runs below
 * the process's priority (nice.ts).
 */
// First: the thread is lowered before the rest of the bundle is evaluated (starting is CPU work too).
import "./nice";
import { parentPort } from "node:worker_threads";
// The db files themselves, not lib/db's index: a worker loads only what an export needs (start-up time).
import { openReadonlyDb } from "@/lib/db/sqlite";
import { CHUNK, exportChunks, linesOfIds } from "@/lib/db/export-stream";
import { linesFor } from "./lines";
import { ToWorkerSchema, type FromWorker, type ToWorker } from "./messages";

const port = parentPort!;

const post = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

// Messages in arrival order, taken one at a time by the loop at the end and by exportRun.
const inbox: ToWorker[] = [];
let wake: (() => void) | undefined;
port.on("message", (raw: unknown) => {
  inbox.push(ToWorkerSchema.parse(raw));
  const w = wake;
  wake = undefined;
  w?.();
});
const arrived = () => new Promise<void>((r) => (wake = r));

/** The chunk's memory to transfer: its own ArrayBuffer, never a slice of Buffer's shared pool (a transfer would detach it under other Buffers). */
function transferable(chunk: Buffer): ArrayBuffer {
  const own = chunk.byteOffset === 0 && chunk.buffer.byteLength >= POOL_SAFE && chunk.buffer instanceof ArrayBuffer;
  return own ? chunk.buffer : new Uint8Array(chunk).buffer;
}
const POOL_SAFE = 64 * 1024;
/** Returned chunk buffers kept (one per credit plus the one being filled). */
const SPARE = 4;

/** One export: pages and credits until stop. */
async function exportRun(start: Extract<ToWorker, { type: "start" }>) {
  const { run } = start;
  let db: ReturnType<typeof openReadonlyDb> | undefined;
  const pages: Extract<ToWorker, { type: "page" }>[] = [];
  let credits = 0;
  let stopped = false;
  // Chunk memory the main thread handed back: posted, copied out there, returned with its credit.
  // Reused, the same few MB go back and forth instead of a new MB per chunk for the main thread's
  // garbage collector to find (transferred memory piled up to ~60 MB there before it ran).
  const spare: ArrayBuffer[] = [];
  const alloc = () => {
    const b = spare.pop();
    return b ? Buffer.from(b) : Buffer.allocUnsafe(CHUNK);
  };
  /** Take what has arrived; wait for more while `until` is false. Stop means no pages after those sent: the queued ones are still exported. */
  const take = async (until: () => boolean) => {
    for (;;) {
      for (let m = inbox.shift(); m; m = inbox.shift()) {
        if (m.type === "page") pages.push(m);
        else if (m.type === "credit") {
          credits += m.n;
          if (m.bytes && m.bytes.byteLength >= CHUNK && spare.length < SPARE) spare.push(m.bytes);
        } else if (m.type === "stop") stopped = true;
      }
      if (until()) return;
      await arrived();
    }
  };
  try {
    db = openReadonlyDb(start.dbFile);
    const toLines = linesFor(db, start.job);
    for (;;) {
      await take(() => pages.length > 0 || stopped);
      if (!pages.length) return;
      const { page, ids } = pages.shift()!;
      for (const chunk of exportChunks(linesOfIds(db, ids, toLines), alloc)) {
        await take(() => credits > 0);
        credits--;
        const bytes = transferable(chunk);
        post({ type: "chunk", run, page, bytes, length: chunk.length }, [bytes]);
      }
      post({ type: "page-done", run, page });
    }
  } catch (e) {
    // The main thread ends the export (and this worker) on an error.
    post({ type: "error", run, message: e instanceof Error ? e.message : String(e) });
  } finally {
    db?.close();
  }
}

for (;;) {
  while (!inbox.length) await arrived();
  const m = inbox.shift()!;
  if (m.type === "start") await exportRun(m);
}
