import type { Segment, TraceEvent } from "@/lib/protocol";

/**
 * The timeline of a replay: a stored trace laid out on a clock (milliseconds at 1×), segment by
 * segment. Model text appears character by character over its step; a hint waits out the pause
 * that preceded it (the pause marker shows meanwhile); a tool output waits out its execution
 * (the code block is closed and "running"). Pure: no timers, no I/O (the clock is replay.ts).
 *
 * Timing: `recorded` when the trace's events carry real times (a live run: streams with
 * durations), else `rate` (imported traces have `at: 0` everywhere): model text at
 * REPLAY_CHARS_PER_SECOND, fixed holds for pauses and code.
 */

/** 1× in rate mode: about 20 tokens/s at ~4 characters per token, a laptop's local model. */
export const REPLAY_CHARS_PER_SECOND = 80;
/** How long a pause holds in rate mode (a person picking a hint). */
export const PAUSE_HOLD_MS = 1500;
/** How long a code block "runs" in rate mode when the trace recorded no duration. */
export const TOOL_HOLD_MS = 1000;
/**
 * A pause decided by a policy lasted ~0 ms when recorded; it is held at least this long so the
 * marker can be seen where it happened (the one place recorded timing is stretched).
 */
export const MIN_PAUSE_MS = 400;

export type ReplayTiming = "recorded" | "rate";

export interface ReplayStep {
  /** Index of the segment this step shows. */
  segment: number;
  kind: "text" | "pause" | "running";
  start: number;
  duration: number;
  /** pause steps: the pause point (word cut from the text, and why). */
  pause?: { word: string; reason: string };
  /** running steps: index of the execution (code-executed / code-skipped events, in order). */
  exec?: number;
}

export interface ReplayTimeline {
  timing: ReplayTiming;
  steps: ReplayStep[];
  duration: number;
  /** Per execution: when its code block has closed (the re-run may start). */
  codeClosedAt: number[];
}

/** What the page shows at a time on the replay clock. */
export interface ReplayFrame {
  /** Segments shown whole. */
  shown: number;
  /** The segment being written, and how many of its characters (UTF-16 units) are shown. */
  partial?: { segment: number; chars: number };
  phase: "text" | "pause" | "running" | "ended";
  pause?: { word: string; reason: string };
  /** Executions whose code block has closed by now (their re-runs may start). */
  codeClosed: number;
}

const isExecution = (e: TraceEvent) => e.type === "code-executed" || e.type === "code-skipped";

/** The trace's events carry real times: some stream ran for a measured duration. */
export function hasRecordedTiming(events: readonly TraceEvent[]): boolean {
  return events.some((e) => e.type === "stream-ended" && e.durationMs > 0 && e.at > 0);
}

/**
 * Recorded holds and model durations, from the event log. Boundaries (hint and tool_output
 * segments) match their events in order — hint-injected for hints, code-executed/code-skipped
 * for tool outputs — as the player and the trace view do. A model segment lasts from the end of
 * the boundary before it to the start of the boundary after it (for the last: the last stream's end).
 */
function recordedDurations(segments: readonly Segment[], events: readonly TraceEvent[]): { model: Map<number, number>; hold: Map<number, number>; pause: Map<number, { word: string; reason: string }> } {
  const model = new Map<number, number>();
  const hold = new Map<number, number>();
  const pause = new Map<number, { word: string; reason: string }>();
  // Boundary events in log order, each with the time its hold began and ended.
  const bounds: { kind: "hint" | "tool"; begin: number; end: number; pause?: { word: string; reason: string } }[] = [];
  let lastPause: Extract<TraceEvent, { type: "paused" }> | undefined;
  for (const e of events) {
    if (e.type === "paused") lastPause = e;
    else if (e.type === "resumed") lastPause = undefined;
    else if (e.type === "hint-injected") {
      const p = lastPause;
      bounds.push({ kind: "hint", begin: p?.at ?? e.at, end: e.at, pause: p ? { word: p.word ?? "", reason: p.reason } : undefined });
      lastPause = undefined;
    } else if (isExecution(e)) {
      const ms = e.type === "code-executed" ? e.durationMs : 0;
      bounds.push({ kind: "tool", begin: e.at - ms, end: e.at });
    }
  }
  const first = events.find((e) => e.type === "stream-started" || e.type === "run-started");
  const lastStreamEnd = [...events].reverse().find((e) => e.type === "stream-ended");
  let prevEnd = first?.at;
  let modelStart: number | undefined;
  let pendingModel: number[] = [];
  const hints = bounds.filter((b) => b.kind === "hint");
  const tools = bounds.filter((b) => b.kind === "tool");
  let h = 0;
  let t = 0;
  const closeModel = (until: number | undefined) => {
    // Several model/edit segments in a row (an edit's view) share the stretch by length.
    if (pendingModel.length && modelStart !== undefined && until !== undefined) {
      const span = Math.max(0, until - modelStart);
      const total = pendingModel.reduce((n, i) => n + segments[i]!.text.length, 0) || 1;
      for (const i of pendingModel) model.set(i, (span * segments[i]!.text.length) / total);
    }
    pendingModel = [];
  };
  segments.forEach((s, i) => {
    if (s.kind === "model" || s.kind === "edit") {
      if (!pendingModel.length) modelStart = prevEnd;
      pendingModel.push(i);
      return;
    }
    const b = s.kind === "hint" ? hints[h++] : s.kind === "tool_output" ? tools[t++] : undefined;
    if (!b) return;
    closeModel(b.begin);
    hold.set(i, Math.max(0, b.end - b.begin));
    if (b.pause) pause.set(i, b.pause);
    prevEnd = b.end;
  });
  closeModel(lastStreamEnd?.at);
  return { model, hold, pause };
}

/** Lay a trace out on the replay clock. */
export function buildTimeline(segments: readonly Segment[], events: readonly TraceEvent[]): ReplayTimeline {
  const timing: ReplayTiming = hasRecordedTiming(events) ? "recorded" : "rate";
  const rec = timing === "recorded" ? recordedDurations(segments, events) : undefined;
  const executions = events.filter(isExecution);
  const steps: ReplayStep[] = [];
  const codeClosedAt: number[] = [];
  let clock = 0;
  let exec = 0;
  const push = (step: Omit<ReplayStep, "start">) => {
    steps.push({ ...step, start: clock });
    clock += step.duration;
  };
  segments.forEach((s, i) => {
    switch (s.kind) {
      case "prompt":
        push({ segment: i, kind: "text", duration: 0 });
        return;
      case "hint": {
        // Every hint but a forced end of thinking (thinking-budget) was injected at a pause.
        const paused = rec ? rec.pause.get(i) : s.reason && s.reason !== "thinking-budget" ? { word: s.trigger ?? "", reason: s.reason } : undefined;
        const recorded = rec?.hold.get(i);
        const hold = recorded !== undefined ? (paused ? Math.max(MIN_PAUSE_MS, recorded) : recorded) : paused ? PAUSE_HOLD_MS : 0;
        if (hold > 0 || paused) push({ segment: i, kind: "pause", duration: hold, pause: paused ?? { word: "", reason: s.reason ?? "" } });
        push({ segment: i, kind: "text", duration: 0 });
        return;
      }
      case "tool_output": {
        const e = executions[exec];
        const recorded = e?.type === "code-executed" ? e.durationMs : 0;
        const hold = rec?.hold.get(i) ?? (recorded > 0 ? recorded : e?.type === "code-skipped" ? 0 : TOOL_HOLD_MS);
        codeClosedAt.push(clock);
        push({ segment: i, kind: "running", duration: hold, exec });
        push({ segment: i, kind: "text", duration: 0 });
        exec++;
        return;
      }
      default:
        push({ segment: i, kind: "text", duration: rec?.model.get(i) ?? (s.text.length * 1000) / REPLAY_CHARS_PER_SECOND });
    }
  });
  return { timing, steps, duration: clock, codeClosedAt };
}

/** Characters of `text` shown at `fraction` of its step, never splitting a surrogate pair. */
function charsAt(text: string, fraction: number): number {
  let n = Math.floor(text.length * Math.min(1, Math.max(0, fraction)));
  if (n > 0 && n < text.length && /[\uD800-\uDBFF]/.test(text[n - 1]!)) n--;
  return n;
}

/** The frame at time `t` (clamped to the timeline). */
export function frameAt(timeline: ReplayTimeline, segments: readonly Segment[], t: number): ReplayFrame {
  const codeClosed = timeline.codeClosedAt.filter((c) => c <= t).length;
  if (t >= timeline.duration) return { shown: segments.length, phase: "ended", codeClosed: timeline.codeClosedAt.length };
  // The step in progress: the last one that started at or before t and has time left.
  let k = 0;
  while (k < timeline.steps.length && timeline.steps[k]!.start + timeline.steps[k]!.duration <= t) k++;
  const step = timeline.steps[k];
  if (!step) return { shown: segments.length, phase: "ended", codeClosed };
  if (step.kind === "pause") return { shown: step.segment, phase: "pause", pause: step.pause, codeClosed };
  if (step.kind === "running") return { shown: step.segment, phase: "running", codeClosed };
  const text = segments[step.segment]!.text;
  const chars = charsAt(text, step.duration > 0 ? (t - step.start) / step.duration : 1);
  return { shown: step.segment, partial: { segment: step.segment, chars }, phase: "text", codeClosed };
}

/**
 * The segments to hand the trace view: those shown whole (the same objects, so memoized views
 * skip them) and the one being written, cut — same id, so its view parses only the new text.
 */
export function segmentsAt(segments: readonly Segment[], frame: ReplayFrame): Segment[] {
  const out = segments.slice(0, frame.shown);
  const p = frame.partial;
  if (p && p.chars > 0) out.push({ ...segments[p.segment]!, text: segments[p.segment]!.text.slice(0, p.chars) });
  return out;
}
