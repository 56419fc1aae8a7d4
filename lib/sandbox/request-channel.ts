/**
 * The shared-memory request channel between the sandbox frame (the writer, its main thread) and
 * the Pyodide worker (the reader, blocked in `Atomics.wait` between executions; see
 * pyodide.worker.ts for why it never returns to its event loop).
 *
 * `control[0]` is the sequence number of the last request written (0: none yet), `control[1]`
 * its length in bytes; the request's JSON sits at the start of `data`. The frame writes a request
 * only when none is pending, so one slot is enough.
 *
 * The reader keeps the last sequence number it served and waits for `control[0]` to differ from
 * it. It must never start from whatever `control[0]` holds when it begins to wait: the frame
 * writes the first request as soon as the worker's "ready" reaches it, which on a loaded machine
 * can be before the worker has gone from posting "ready" to its first wait — a request read as
 * "already seen" is never served, and the run ends at its time limit with nothing (CI saw it:
 * the first run on a frame booted while a stuck one was being torn down).
 */

/** What the reader holds before the first request: nothing served yet. */
export const NO_REQUEST = 0;

/** Frame side: publish request `seq` (1, 2, …) and wake the reader. Returns false if it does not fit. */
export function writeRequest(control: Int32Array, data: Uint8Array, seq: number, bytes: Uint8Array): boolean {
  if (bytes.length > data.length) return false;
  data.set(bytes);
  Atomics.store(control, 1, bytes.length);
  Atomics.store(control, 0, seq);
  Atomics.notify(control, 0);
  return true;
}

/**
 * Worker side: block until a request newer than `lastSeq` is there, and return it (copied out of
 * shared memory: TextDecoder refuses shared views). `timeoutMs` is for tests; the worker waits
 * forever. Undefined only when the wait timed out.
 */
export function readNextRequest(
  control: Int32Array,
  data: Uint8Array,
  lastSeq: number,
  timeoutMs = Infinity,
): { seq: number; bytes: Uint8Array } | undefined {
  // Returns at once ("not-equal") when the frame already wrote past lastSeq.
  if (Atomics.wait(control, 0, lastSeq, timeoutMs) === "timed-out") return undefined;
  const seq = Atomics.load(control, 0);
  if (seq === lastSeq) return undefined; // a spurious wake-up (notify without a new request)
  const length = Math.min(Atomics.load(control, 1), data.length);
  return { seq, bytes: data.slice(0, length) };
}
