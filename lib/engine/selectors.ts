import type { GenerateRequest, Segment } from "@/lib/protocol";
import { pausesAt, thinkingTokensLeft, type EngineState } from "./engine";
import { getTemplate, renderUserMessage } from "./templates";

/** What the host must do next. Hosts act on a new `streamId`/`execId` once and abort stale streams. */
export type NextAction =
  | { type: "generate"; streamId: string; request: GenerateRequest }
  | { type: "execute"; execId: string; code: string }
  | { type: "await-user" }
  | { type: "none" };

export function selectNextAction(state: EngineState): NextAction {
  if (state.phase === "generating" && state.streamId) {
    return { type: "generate", streamId: state.streamId, request: selectGenerateRequest(state) };
  }
  if (state.phase === "executing" && state.execId) {
    return { type: "execute", execId: state.execId, code: state.pendingCode ?? "" };
  }
  if (state.phase === "paused") return { type: "await-user" };
  return { type: "none" };
}

export function selectTraceText(segments: readonly Segment[]): string {
  let text = "";
  for (const s of segments) text += s.text;
  return text;
}

/**
 * Stop strings for the next request: the pause points the policy acts on (servers stop there
 * cheaply), plus ```output so a model never writes its own tool output. The engine scans the
 * stream too, so a server that ignores `stop` still pauses in the right place.
 */
export function selectStops(state: EngineState): string[] {
  const stops = ["```output"];
  if (state.thinkingClosed || state.inCode) return stops;
  const marker = getTemplate(state.config.template).endOfThinking;
  if (marker && pausesAt(state, "end-of-thinking")) stops.push(marker);
  if (pausesAt(state, "trigger")) {
    for (const t of state.config.triggers) if (!/^\/.+\/[a-z]*$/s.test(t)) stops.push(t);
  }
  return stops.slice(0, 32);
}

export function selectGenerateRequest(state: EngineState): GenerateRequest {
  const template = getTemplate(state.config.template);
  const prompt = selectTraceText(state.segments);
  const promptSegment = state.segments[0]?.kind === "prompt" ? state.segments[0].text : "";
  const { sampling } = state.config;
  const remaining = Math.max(1, sampling.maxTokens - state.completionTokens);
  // Under a thinking budget the server stops ("length") exactly where the maximum is reached.
  const thinkingLeft = thinkingTokensLeft(state);
  return {
    prompt,
    userMessage: renderUserMessage(state.problem, state.config.template),
    assistantPrefill: template.assistantOpen + prompt.slice(promptSegment.length),
    stop: selectStops(state),
    maxTokens: thinkingLeft ? Math.min(remaining, thinkingLeft) : remaining,
    ...(sampling.temperature !== undefined ? { temperature: sampling.temperature } : {}),
    ...(sampling.topP !== undefined ? { topP: sampling.topP } : {}),
    ...(sampling.seed !== undefined ? { seed: sampling.seed } : {}),
    session: state.traceId,
    // A correction goes on raw (see GenerateRequestSchema.editedPrefix): chat providers refuse it.
    ...(state.segments.some((s) => s.kind === "edit") ? { editedPrefix: true as const } : {}),
  };
}

/** Text after the end-of-thinking marker (the final response), or everything when there is none. */
export function selectFinalResponse(state: Pick<EngineState, "segments" | "config">): string {
  const text = selectTraceText(state.segments.filter((s) => s.kind !== "prompt"));
  const marker = getTemplate(state.config.template).endOfThinking;
  if (!marker) return text;
  const i = text.lastIndexOf(marker);
  return i === -1 ? text : text.slice(i + marker.length);
}

export function isTerminal(state: EngineState): boolean {
  return state.phase === "finished" || state.phase === "stopped" || state.phase === "failed";
}
