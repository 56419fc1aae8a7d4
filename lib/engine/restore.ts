import type { Problem, Segment, TraceConfig, TraceEvent } from "@/lib/protocol";
import { createEngine, isModelText, type EngineState, type ResolvedHint } from "./engine";
import { getTemplate } from "./templates";

/**
 * Rebuild an engine from stored segments and events, paused (reason "resume") where they end,
 * so an interrupted or forked trace goes on with a hint or with `continue` (the next request
 * re-sends the whole prefix).
 */
export function restoreEngine(args: {
  traceId: string;
  problem: Problem;
  config: TraceConfig;
  segments: Segment[];
  events: TraceEvent[];
  policyHints?: ResolvedHint[];
}): EngineState {
  const base = createEngine(args);
  const marker = getTemplate(args.config.template).endOfThinking;
  const generated = args.segments.filter((s) => s.kind !== "prompt");
  const text = generated.map((s) => s.text).join("");
  const last = args.segments[args.segments.length - 1];
  // The trailing run of model text (a fork continued from an edit ends in the edit segment).
  let runFrom = args.segments.length;
  while (runFrom > 0 && isModelText(args.segments[runFrom - 1]!.kind)) runFrom--;
  const run = args.segments.slice(runFrom).map((s) => s.text).join("");
  // An unclosed python fence at the end means the model is in the middle of a code block.
  let inCode = false;
  let codeStart = 0;
  if (last?.kind === "hint" && /```(python|py)[ \t]*\n$/.test(last.text)) inCode = true;
  else if (runFrom < args.segments.length) {
    const fences = [...run.matchAll(/^```(\w*)[^\n]*$/gm)];
    const lastFence = fences[fences.length - 1];
    const prev = args.segments[runFrom - 1];
    const startsInCode = prev?.kind === "hint" && /```(python|py)[ \t]*\n$/.test(prev.text);
    const open = (startsInCode ? 1 : 0) + fences.filter((f) => /^(python|py)$/.test(f[1] ?? "")).length;
    const closes = fences.filter((f) => f[1] === "").length;
    inCode = open > closes;
    if (inCode) codeStart = lastFence && /^(python|py)$/.test(lastFence[1] ?? "") ? lastFence.index! + lastFence[0].length + 1 : 0;
  }
  const maxId = Math.max(
    0,
    ...args.segments.map((s) => Number(/(\d+)$/.exec(s.id)?.[1] ?? 0)),
    ...args.events.flatMap((e) => ("streamId" in e ? [Number(/(\d+)$/.exec(e.streamId)?.[1] ?? 0)] : [])),
  );
  let completionTokens = 0;
  for (const e of args.events) if (e.type === "stream-ended") completionTokens += e.usage?.completionTokens ?? Math.ceil(e.chars / 4);
  const offset = args.segments.reduce((n, s) => n + s.text.length, 0);
  return {
    ...base,
    phase: "paused",
    pause: { reason: "resume", word: "", offset },
    segments: args.segments,
    events: args.events,
    inCode,
    codeStart,
    thinkingClosed: marker ? text.includes(marker) : false,
    toolCalls: args.events.filter((e) => e.type === "code-executed").length,
    rounds: args.events.filter((e) => e.type === "hint-injected" && e.reason === "end-of-thinking").length,
    completionTokens,
    // Stored events do not say which streams were thinking; before the marker they all were.
    thinkingTokens: completionTokens,
    counter: maxId + args.segments.length + args.events.length + 1,
  };
}

/**
 * The prefix of a trace up to a fork point: whole segments before `segment`, plus the first
 * `offset` characters of it (only model text can be cut inside). Events are kept up to the one
 * that produced the last hint or tool output in the prefix.
 */
export function forkPrefix(segments: readonly Segment[], events: readonly TraceEvent[], at: { segment: number; offset: number }): { segments: Segment[]; events: TraceEvent[] } {
  const target = segments[at.segment];
  if (!target) throw new Error(`segment ${at.segment} does not exist (the trace has ${segments.length})`);
  if (at.offset > target.text.length) throw new Error(`offset ${at.offset} is past the end of segment ${at.segment} (length ${target.text.length})`);
  if (at.offset > 0 && at.offset < target.text.length && target.kind !== "model") {
    throw new Error(`only model text can be cut inside; segment ${at.segment} is ${target.kind}: fork at its start or end`);
  }
  if (at.segment === 0 && at.offset < target.text.length) throw new Error("the prompt cannot be cut: fork after it");
  const prefix = segments.slice(0, at.segment).map((s) => ({ ...s }));
  if (at.offset > 0) prefix.push({ ...target, text: target.text.slice(0, at.offset) });
  let hints = prefix.filter((s) => s.kind === "hint").length;
  let outputs = prefix.filter((s) => s.kind === "tool_output").length;
  let keep = 0;
  for (let i = 0; i < events.length && (hints > 0 || outputs > 0); i++) {
    const e = events[i]!;
    if (e.type === "hint-injected") hints--;
    if (e.type === "code-executed" || e.type === "code-skipped") outputs--;
    keep = i + 1;
  }
  const kept = events.slice(0, Math.max(keep, events.length ? 1 : 0)).filter((e) => e.type !== "run-finished" && e.type !== "answer-graded");
  return { segments: prefix, events: kept };
}
