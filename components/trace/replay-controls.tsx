"use client";

import { REPLAY_CHARS_PER_SECOND, REPLAY_SPEEDS } from "@/lib/store";
import type { Replay } from "./use-replay";
import "./replay.css";

const clockText = (ms: number) => {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
};

/**
 * Play a stored trace back in real time: play/pause, speed, position. While it plays, the panel
 * says plainly that this is a replay of a recorded trace: no model is running, only the trace's
 * code blocks run again, in this page's Python.
 */
export function ReplayControls({ replay }: { replay: Replay }) {
  const { active, clock, frame, duration } = replay;
  const timing =
    replay.timing === "recorded" ? "at the trace's recorded timing" : `at ${REPLAY_CHARS_PER_SECOND} characters/s (the trace has no recorded timing)`;
  const phase =
    frame.phase === "pause"
      ? `paused here${frame.pause?.word ? ` at "${frame.pause.word}"` : ""} (${frame.pause?.reason ?? "pause"}) — a hint comes next`
      : frame.phase === "running"
        ? "the recorded code ran here; it runs again now in this page's Python"
        : frame.phase === "ended"
          ? "end of the recorded trace"
          : "recorded text";
  return (
    <div className={active ? "panel replay-controls active" : "panel replay-controls"} data-testid="replay-controls" data-shown-chars={active ? replay.shownChars : undefined}>
      {active && (
        <div className="replay-banner" role="status" data-testid="replay-banner">
          <strong>Replay of a recorded trace</strong> — no model is running; the text is played back {timing}
          {replay.hasCode ? ", and its code blocks are re-run live in this page's Python" : ""}.
        </div>
      )}
      <div className="row">
        {active ? (
          <button className="primary" data-testid="replay-toggle" onClick={replay.toggle} title="play or pause the replay">
            {clock.playing ? "⏸ Pause" : clock.ended ? "↻ Replay again" : "▶ Play"}
          </button>
        ) : (
          <button data-testid="replay-start" onClick={replay.start} title="play the stored trace back in real time, code re-run live">
            ▶ Replay
          </button>
        )}
        <label className="inline small">
          speed
          <select data-testid="replay-speed" value={clock.speed} onChange={(e) => replay.setSpeed(Number(e.target.value))} style={{ width: "auto" }}>
            {REPLAY_SPEEDS.map((s) => (
              <option key={s} value={s}>
                {s}×
              </option>
            ))}
          </select>
        </label>
        {active && (
          <>
            <input
              type="range"
              className="grow"
              aria-label="replay position"
              data-testid="replay-position"
              min={0}
              max={Math.max(1, Math.round(duration))}
              value={Math.round(clock.t)}
              onChange={(e) => replay.seek(Number(e.target.value))}
            />
            <span className="small muted" data-testid="replay-clock">
              {clockText(clock.t)} / {clockText(duration)}
            </span>
            <span className="small replay-phase" data-testid="replay-phase" data-phase={frame.phase}>
              {phase}
            </span>
            <button className="small" data-testid="replay-exit" onClick={replay.exit} title="back to the step-through player">
              ✕ Exit replay
            </button>
          </>
        )}
      </div>
    </div>
  );
}
