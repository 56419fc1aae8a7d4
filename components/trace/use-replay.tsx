"use client";

import { useEffect, useMemo, useState, type ReactNode } from "react";
import { useStore } from "zustand";
import { BrowserSandbox } from "@/lib/sandbox";
import type { Segment, Trace, TraceEvent } from "@/lib/protocol";
import {
  buildTimeline,
  createReplayStore,
  createRerunStore,
  frameAt,
  segmentsAt,
  type ReplayFrame,
  type ReplayState,
  type ReplayTiming,
  type Rerun,
} from "@/lib/store";
import { RerunAside } from "./rerun-aside";

/** What the trace page needs from a replay: the controls' state and what to hand the trace view. */
export interface Replay {
  /** Replay mode is on: the trace view shows the replay's segments, not the player's. */
  active: boolean;
  timing: ReplayTiming;
  duration: number;
  clock: Pick<ReplayState, "t" | "playing" | "speed" | "ended">;
  frame: ReplayFrame;
  segments: Segment[];
  /** Characters of the trace's written text (all but the prompt) the replay shows now. */
  shownChars: number;
  /** Extra trace-view props while active: the pause marker and the re-runs beside tool outputs. */
  view: { pause?: { word: string; reason: string }; toolOutputAside?: (exec: number, segment: Segment) => ReactNode };
  hasCode: boolean;
  start(): void;
  toggle(): void;
  setSpeed(speed: number): void;
  seek(t: number): void;
  exit(): void;
}

const isExecution = (e: TraceEvent) => e.type === "code-executed" || e.type === "code-skipped";

/**
 * A replay of a stored trace on its page: the clock (lib/store/replay.ts) over the trace's
 * timeline, the frame it shows, and its code blocks re-run in a Python sandbox of this page
 * (made when the replay first plays, not for every visit of a trace page).
 */
export function useReplay(trace: Trace): Replay {
  const timeline = useMemo(() => buildTimeline(trace.segments, trace.events), [trace.segments, trace.events]);
  const executions = useMemo(() => trace.events.filter(isExecution), [trace.events]);
  const clock = useMemo(() => createReplayStore({ duration: timeline.duration }), [timeline.duration]);
  const { timeoutMs, maxOutputChars } = { timeoutMs: trace.config.toolTimeoutMs, maxOutputChars: trace.config.maxOutputChars };
  const reruns = useMemo(
    // No spare frame: a replay runs a few blocks, a second Pyodide would only cost memory.
    () => createRerunStore({ createSandbox: () => new BrowserSandbox({ spareFrame: false }), options: { timeoutMs, maxOutputChars } }),
    [timeoutMs, maxOutputChars],
  );
  const [active, setActive] = useState(false);
  const t = useStore(clock, (s) => s.t);
  const playing = useStore(clock, (s) => s.playing);
  const speed = useStore(clock, (s) => s.speed);
  const ended = useStore(clock, (s) => s.ended);
  const pass = useStore(clock, (s) => s.pass);
  const results = useStore(reruns, (s) => s.reruns);

  // External system: the clock's timer and the sandbox (its frame and worker) end with the page.
  useEffect(() => () => clock.getState().actions.dispose(), [clock]);
  useEffect(() => () => reruns.getState().actions.dispose(), [reruns]);
  // External system: the sandbox. A new pass of the replay runs its code in a fresh namespace.
  useEffect(() => {
    if (pass > 0) reruns.getState().actions.reset();
  }, [pass, reruns]);

  const frame = frameAt(timeline, trace.segments, t);
  const closed = active ? frame.codeClosed : 0;
  // External system: the sandbox. Each code block re-runs as soon as the replay closes it.
  useEffect(() => {
    if (closed === 0) return;
    reruns.getState().actions.ensure(executions.slice(0, closed).map((e, exec) => ({ exec, code: e.type === "code-executed" ? e.code : undefined })));
  }, [closed, executions, reruns]);

  // A new list only when what is shown changes (a tick inside a pause or a code hold changes nothing).
  const shown = frame.shown;
  const chars = frame.partial?.chars;
  const segments = useMemo(() => segmentsAt(trace.segments, { shown, partial: chars === undefined ? undefined : { segment: shown, chars }, phase: "text", codeClosed: 0 }), [trace.segments, shown, chars]);
  const actions = clock.getState().actions;

  const aside = (exec: number, segment: Segment): ReactNode => {
    const e = executions[exec];
    return <RerunAside rerun={results[exec] as Rerun | undefined} recordedSegment={segment} skipped={e?.type === "code-skipped" ? e.reason : undefined} />;
  };

  return {
    active,
    timing: timeline.timing,
    duration: timeline.duration,
    clock: { t, playing, speed, ended },
    frame,
    segments,
    shownChars: segments.reduce((n, s) => n + (s.kind === "prompt" ? 0 : s.text.length), 0),
    view: active ? { pause: frame.phase === "pause" ? frame.pause : undefined, toolOutputAside: executions.length ? aside : undefined } : {},
    hasCode: executions.length > 0,
    start: () => {
      setActive(true);
      if (executions.length) reruns.getState().actions.warm();
      actions.restart();
    },
    toggle: actions.toggle,
    setSpeed: actions.setSpeed,
    seek: actions.seek,
    exit: () => {
      actions.pause();
      setActive(false);
      // Its Pyodide is a few hundred MB: let it go (a new replay makes a fresh one).
      reruns.getState().actions.dispose();
    },
  };
}
