/**
 * One export worker: its own read-only connection, the pages of ids the main thread sends, each
 * page's lines encoded into ~1 MB chunks (exportChunks, as in-process) and posted with their
 * memory transferred. A chunk is posted only against a credit, and credits come back only as the
 * client takes chunks: a slow client stops the reads here instead of growing memory.
 */
import { parentPort, workerData } from "node:worker_threads";
// The db files themselves, not lib/db's index: each worker loads only what an export needs (startup time).
import { openReadonlyDb } from "@/lib/db/sqlite";
import { exportChunks, linesOfIds } from "@/lib/db/export-stream";
import { linesFor, type ExportJob } from "./lines";
import { ToWorkerSchema, type FromWorker, type ToWorker } from "./messages";

const port = parentPort!;
const { dbFile, job } = workerData as { dbFile: string; job: ExportJob };
const post = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

const pages: Extract<ToWorker, { type: "page" }>[] = [];
let credits = 0;
let stopped = false;
let wake: (() => void) | undefined;
const changed = () => new Promise<void>((r) => (wake = r));

port.on("message", (raw: unknown) => {
  const m = ToWorkerSchema.parse(raw);
  if (m.type === "page") pages.push(m);
  else if (m.type === "credit") credits += m.n;
  else stopped = true;
  wake?.();
});

/** The chunk's memory to transfer: its own ArrayBuffer, never a slice of Buffer's shared pool (which a transfer would detach under other Buffers). */
function transferable(chunk: Buffer): ArrayBuffer {
  const own = chunk.byteOffset === 0 && chunk.buffer.byteLength >= POOL_SAFE && chunk.buffer instanceof ArrayBuffer;
  return own ? (chunk.buffer as ArrayBuffer) : new Uint8Array(chunk).buffer;
}
const POOL_SAFE = 64 * 1024;

async function run() {
  const db = openReadonlyDb(dbFile);
  try {
    const toLines = linesFor(db, job);
    for (;;) {
      while (!pages.length && !stopped) await changed();
      if (stopped) return;
      const { page, ids } = pages.shift()!;
      for (const chunk of exportChunks(linesOfIds(db, ids, toLines))) {
        while (credits === 0 && !stopped) await changed();
        if (stopped) return;
        credits--;
        const bytes = transferable(chunk);
        post({ type: "chunk", page, bytes, length: chunk.length }, [bytes]);
      }
      post({ type: "page-done", page });
    }
  } finally {
    db.close();
  }
}

run().then(
  () => port.close(),
  (e: unknown) => {
    post({ type: "error", message: e instanceof Error ? e.message : String(e) });
    port.close();
  },
);
