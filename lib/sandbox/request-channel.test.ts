import { describe, expect, it } from "vitest";
import { NO_REQUEST, readNextRequest, writeRequest } from "./request-channel";

const channel = (dataBytes = 1024) => ({
  control: new Int32Array(new SharedArrayBuffer(8)),
  data: new Uint8Array(new SharedArrayBuffer(dataBytes)),
});
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

describe("sandbox request channel", () => {
  it("serves a first request the frame wrote before the worker began to wait (the race CI hit)", () => {
    const { control, data } = channel();
    // The frame got "ready" and wrote request 1 while the worker was still between posting
    // "ready" and its first wait.
    expect(writeRequest(control, data, 1, enc('{"code":"print(6*7)"}'))).toBe(true);
    const next = readNextRequest(control, data, NO_REQUEST, 1000);
    expect(next?.seq).toBe(1);
    expect(dec(next!.bytes)).toBe('{"code":"print(6*7)"}');
  });

  it("waits for a request newer than the last one served, and times out when none comes", () => {
    const { control, data } = channel();
    writeRequest(control, data, 1, enc("first, a longer request"));
    const first = readNextRequest(control, data, NO_REQUEST, 1000)!;
    const t = performance.now();
    expect(readNextRequest(control, data, first.seq, 50)).toBeUndefined();
    expect(performance.now() - t).toBeGreaterThanOrEqual(40);
    writeRequest(control, data, 2, enc("second"));
    const second = readNextRequest(control, data, first.seq, 1000);
    // Only the new request's bytes, not the tail of the longer one before it.
    expect(second && { seq: second.seq, text: dec(second.bytes) }).toEqual({ seq: 2, text: "second" });
  });

  it("refuses a request larger than the shared buffer and leaves the channel as it was", () => {
    const { control, data } = channel(16);
    expect(writeRequest(control, data, 1, enc("x".repeat(17)))).toBe(false);
    expect(Atomics.load(control, 0)).toBe(NO_REQUEST);
    expect(readNextRequest(control, data, NO_REQUEST, 20)).toBeUndefined();
  });

  it("returns copies: a later write does not change a request already read", () => {
    const { control, data } = channel();
    writeRequest(control, data, 1, enc("aaaa"));
    const first = readNextRequest(control, data, NO_REQUEST, 1000)!;
    writeRequest(control, data, 2, enc("bbbb"));
    expect(dec(first.bytes)).toBe("aaaa");
    expect(first.bytes.buffer).not.toBeInstanceOf(SharedArrayBuffer);
  });
});
