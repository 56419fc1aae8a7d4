import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createReplayStore, REPLAY_SPEEDS, REPLAY_TICK_MS } from "./replay";

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(1_740_000_000_000);
});
afterEach(() => vi.useRealTimers());

describe("replay clock", () => {
  it.each(REPLAY_SPEEDS)("moves at %s× the wall clock", (speed) => {
    const store = createReplayStore({ duration: 1_000_000, speed });
    store.getState().actions.play();
    vi.advanceTimersByTime(990);
    // The position is written on ticks: within one tick of wall time × speed.
    expect(Math.abs(store.getState().t - 990 * speed)).toBeLessThanOrEqual(REPLAY_TICK_MS * speed);
    vi.advanceTimersByTime(2_010);
    expect(Math.abs(store.getState().t - 3_000 * speed)).toBeLessThanOrEqual(REPLAY_TICK_MS * speed);
    store.getState().actions.dispose();
  });

  it("stands still while paused and goes on from where it was", () => {
    const store = createReplayStore({ duration: 10_000, tickMs: 10 });
    const { actions } = store.getState();
    actions.play();
    vi.advanceTimersByTime(1_000);
    actions.pause();
    const at = store.getState().t;
    expect(at).toBe(1_000);
    vi.advanceTimersByTime(5_000);
    expect(store.getState().t).toBe(at);
    expect(store.getState().playing).toBe(false);
    actions.toggle();
    vi.advanceTimersByTime(500);
    expect(store.getState().t).toBe(1_500);
  });

  it("changes speed without jumping", () => {
    const store = createReplayStore({ duration: 100_000, tickMs: 10 });
    const { actions } = store.getState();
    actions.play();
    vi.advanceTimersByTime(1_000);
    actions.setSpeed(20);
    expect(store.getState().t).toBe(1_000);
    vi.advanceTimersByTime(100);
    expect(store.getState().t).toBe(3_000);
    actions.setSpeed(0.5);
    vi.advanceTimersByTime(1_000);
    expect(store.getState().t).toBe(3_500);
    actions.setSpeed(0); // refused
    expect(store.getState().speed).toBe(0.5);
  });

  it("stops at the end, and play there starts a new pass from 0", () => {
    const store = createReplayStore({ duration: 2_000, speed: 5, tickMs: 10 });
    const { actions } = store.getState();
    actions.play();
    vi.advanceTimersByTime(1_000);
    expect(store.getState()).toMatchObject({ t: 2_000, playing: false, ended: true, pass: 0 });
    // No timer left running at the end.
    expect(vi.getTimerCount()).toBe(0);
    actions.play();
    expect(store.getState()).toMatchObject({ t: 0, playing: true, ended: false, pass: 1 });
    vi.advanceTimersByTime(200);
    expect(store.getState().t).toBe(1_000);
  });

  it("seeks, clamped to the timeline, and keeps playing from there", () => {
    const store = createReplayStore({ duration: 5_000, tickMs: 10 });
    const { actions } = store.getState();
    actions.seek(-10);
    expect(store.getState().t).toBe(0);
    actions.play();
    actions.seek(4_000);
    vi.advanceTimersByTime(500);
    expect(store.getState().t).toBe(4_500);
    actions.seek(99_999);
    expect(store.getState()).toMatchObject({ t: 5_000, ended: true, playing: false });
    actions.dispose();
    expect(vi.getTimerCount()).toBe(0);
  });
});
