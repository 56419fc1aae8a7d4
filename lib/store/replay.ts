import { createStore, type StoreApi } from "zustand/vanilla";

/**
 * The replay clock: where a replay of a stored trace is on its timeline (replay-timeline.ts),
 * playing or paused, at which speed. Time on the timeline is `anchor.t + (now - anchor.wall) ×
 * speed`; every play, pause, speed change and seek re-anchors, so a change of speed never jumps.
 * While playing, a timer ticks (the one external system here) and writes `t`; at the end the
 * clock stops itself. A vanilla zustand store: the page binds it with useStore.
 */

export const REPLAY_SPEEDS = [0.5, 1, 2, 5, 20] as const;
/** ~30 updates a second: smooth text, and cheap (only the segment being written re-renders). */
export const REPLAY_TICK_MS = 33;

export interface ReplayState {
  /** Position on the timeline, ms at 1×. */
  t: number;
  duration: number;
  playing: boolean;
  speed: number;
  /** Reached the end (stays true until a seek or restart moves back). */
  ended: boolean;
  /** Bumped by restart(): re-runs from an earlier pass are stale. */
  pass: number;
  actions: {
    play(): void;
    pause(): void;
    toggle(): void;
    setSpeed(speed: number): void;
    seek(t: number): void;
    /** Back to the start, playing, in a new pass. */
    restart(): void;
    /** Stop the timer for good (unmount). */
    dispose(): void;
  };
}

export type ReplayStore = StoreApi<ReplayState>;

export interface ReplayClockOptions {
  duration: number;
  speed?: number;
  /** Wall clock in ms (tests use fake timers, which fake Date). */
  now?: () => number;
  tickMs?: number;
}

export function createReplayStore({ duration, speed = 1, now = () => Date.now(), tickMs = REPLAY_TICK_MS }: ReplayClockOptions): ReplayStore {
  let anchor = { wall: now(), t: 0 };
  let timer: ReturnType<typeof setInterval> | undefined;
  const stopTimer = () => {
    clearInterval(timer);
    timer = undefined;
  };

  return createStore<ReplayState>()((set, get) => {
    const position = () => {
      const s = get();
      return s.playing ? Math.min(s.duration, anchor.t + (now() - anchor.wall) * s.speed) : s.t;
    };
    const tick = () => {
      const t = position();
      if (t >= get().duration) {
        stopTimer();
        set({ t: get().duration, playing: false, ended: true });
      } else set({ t });
    };
    const startTimer = () => {
      stopTimer();
      timer = setInterval(tick, tickMs);
    };
    const play = () => {
      const s = get();
      if (s.playing) return;
      // Play at the end starts over (a new pass: the sandbox is reset for it).
      if (s.ended || s.t >= s.duration) return restart();
      anchor = { wall: now(), t: s.t };
      set({ playing: true });
      startTimer();
    };
    const restart = () => {
      anchor = { wall: now(), t: 0 };
      set((s) => ({ t: 0, ended: false, playing: s.duration > 0, pass: s.pass + 1 }));
      if (get().duration > 0) startTimer();
      else set({ ended: true });
    };
    return {
      t: 0,
      duration,
      playing: false,
      speed,
      ended: false,
      pass: 0,
      actions: {
        play,
        pause: () => {
          if (!get().playing) return;
          const t = position();
          stopTimer();
          set({ t, playing: false });
        },
        toggle: () => (get().playing ? get().actions.pause() : play()),
        setSpeed: (next) => {
          if (!(next > 0)) return;
          anchor = { wall: now(), t: position() };
          set({ speed: next, t: anchor.t });
        },
        seek: (to) => {
          const t = Math.min(get().duration, Math.max(0, to));
          anchor = { wall: now(), t };
          set({ t, ended: t >= get().duration });
          if (t >= get().duration && get().playing) {
            stopTimer();
            set({ playing: false });
          }
        },
        restart,
        dispose: stopTimer,
      },
    };
  });
}
