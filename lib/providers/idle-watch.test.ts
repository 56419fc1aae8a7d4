import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { idleWatch } from "./idle-watch";

describe("idleWatch", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it("fires after the timeout of silence, counted from the last resume", () => {
    const silent = vi.fn();
    const w = idleWatch(1000, silent);
    vi.advanceTimersByTime(600);
    w.hold();
    w.resume(); // a chunk at 600 ms
    vi.advanceTimersByTime(900); // 1500 ms: only 900 ms of silence
    expect(silent).not.toHaveBeenCalled();
    vi.advanceTimersByTime(100);
    expect(silent).toHaveBeenCalledTimes(1);
  });

  it("does not count the time the consumer holds a chunk", () => {
    const silent = vi.fn();
    const w = idleWatch(1000, silent);
    w.hold();
    vi.advanceTimersByTime(5000);
    expect(silent).not.toHaveBeenCalled();
    w.resume();
    vi.advanceTimersByTime(999);
    expect(silent).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(silent).toHaveBeenCalledTimes(1);
  });

  it("keeps one timer however many chunks arrive, and stop() ends it", () => {
    const silent = vi.fn();
    const w = idleWatch(1000, silent);
    for (let i = 0; i < 500; i++) {
      w.hold();
      w.resume();
      vi.advanceTimersByTime(10);
    }
    expect(vi.getTimerCount()).toBe(1);
    w.stop();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(silent).not.toHaveBeenCalled();
  });
});
