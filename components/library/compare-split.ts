import type { Segment, Trace, TraceEvent, TraceSummary } from "@/lib/protocol";

/**
 * Where two branches of a fork family part, and what each does after that point. Positions are
 * character offsets into the trace text (the concatenation of its segments): a fork copies its
 * parent's segments up to the cut, so up to the common point both traces have the same segments
 * and one offset means the same place in both.
 */

type ForkAt = NonNullable<Trace["forkAt"]>;

/** Kinds whose text may be cut in the middle (a fork cuts model text; other segments stay whole). */
const CUTTABLE = new Set<Segment["kind"]>(["model", "edit"]);

/** Length of the longest common prefix of the two texts, segment by segment. */
export function textualCommonChars(a: readonly Segment[], b: readonly Segment[]): number {
  let chars = 0;
  for (let i = 0; i < a.length && i < b.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.kind !== y.kind) break;
    if (x.text === y.text) {
      chars += x.text.length;
      continue;
    }
    let n = 0;
    while (n < x.text.length && n < y.text.length && x.text[n] === y.text[n]) n++;
    return chars + n;
  }
  return chars;
}

/** Ids from `id` up to its root, following parentId within the family. */
function ancestry(id: string, byId: Map<string, TraceSummary>): string[] {
  const path = [id];
  for (let t = byId.get(id); t?.parentId && byId.has(t.parentId) && path.length < 1000; t = byId.get(t.parentId)) path.push(t.parentId);
  return path;
}

const before = (p: ForkAt, q: ForkAt) => p.segment < q.segment || (p.segment === q.segment && p.offset < q.offset);

/**
 * The earliest fork point on the paths from the two traces up to their common ancestor: past it
 * the two cannot share text they inherited. Undefined when the traces are not in one family
 * (then only the text comparison decides) or are the same trace.
 */
export function forkBound(a: string, b: string, family: readonly TraceSummary[]): ForkAt | undefined {
  const byId = new Map(family.map((t) => [t.id, t]));
  if (!byId.has(a) || !byId.has(b)) return undefined;
  const pathA = ancestry(a, byId);
  const pathB = ancestry(b, byId);
  const common = pathA.find((id) => pathB.includes(id));
  if (common === undefined) return undefined;
  const below = [...pathA.slice(0, pathA.indexOf(common)), ...pathB.slice(0, pathB.indexOf(common))];
  let bound: ForkAt | undefined;
  for (const id of below) {
    const at = byId.get(id)?.forkAt;
    if (at && (!bound || before(at, bound))) bound = at;
  }
  return bound;
}

function charsAt(segments: readonly Segment[], at: ForkAt): number {
  let chars = 0;
  for (let i = 0; i < at.segment && i < segments.length; i++) chars += segments[i]!.text.length;
  return chars + Math.min(at.offset, segments[at.segment]?.text.length ?? 0);
}

/**
 * The common point of two traces in characters: their common text, no further than the fork
 * point, and moved back to a segment start when it would fall inside a hint or tool output (two
 * different hints that both begin "Wait, " are different hints, shown whole on each side).
 */
export function commonChars(a: Trace, b: Trace, family: readonly TraceSummary[]): number {
  let chars = textualCommonChars(a.segments, b.segments);
  const bound = forkBound(a.id, b.id, family);
  if (bound) chars = Math.min(chars, charsAt(a.segments, bound));
  let start = 0;
  for (const s of a.segments) {
    const end = start + s.text.length;
    if (chars > start && chars < end) return CUTTABLE.has(s.kind) ? chars : start;
    start = end;
  }
  return chars;
}

export interface Branch {
  /** Segments after the common point; a segment cut in the middle is a copy with its text sliced. */
  segments: Segment[];
  /** Events with the executions of the common part left out, so the tool outputs after the point line up with their runs. */
  events: TraceEvent[];
  chars: number;
}

const isRun = (e: TraceEvent) => e.type === "code-executed" || e.type === "code-skipped";

export function branchAfter(trace: Trace, chars: number): Branch {
  const segments: Segment[] = [];
  let start = 0;
  let outputsBefore = 0;
  for (const s of trace.segments) {
    const end = start + s.text.length;
    if (end <= chars) {
      if (s.kind === "tool_output") outputsBefore++;
    } else if (start >= chars) {
      segments.push(s);
    } else {
      segments.push({ ...s, id: `${s.id}@${chars - start}`, text: s.text.slice(chars - start) });
    }
    start = end;
  }
  let skip = outputsBefore;
  const events = trace.events.filter((e) => !(isRun(e) && skip-- > 0));
  return { segments, events, chars: segments.reduce((n, s) => n + s.text.length, 0) };
}

/** The text of the first `chars` characters. */
export function prefixText(trace: Trace, chars: number): string {
  return trace.segments.map((s) => s.text).join("").slice(0, chars);
}

/** The segments of the common part (for showing it expanded). */
export function segmentsBefore(trace: Trace, chars: number): Segment[] {
  const out: Segment[] = [];
  let start = 0;
  for (const s of trace.segments) {
    if (start >= chars) break;
    out.push(start + s.text.length <= chars ? s : { ...s, text: s.text.slice(0, chars - start) });
    start += s.text.length;
  }
  return out;
}

/** Same estimate as the server's list column: reported completion tokens, else chars / 4. */
export function traceTokens(events: readonly TraceEvent[]): number {
  let tokens = 0;
  for (const e of events) if (e.type === "stream-ended") tokens += e.usage?.completionTokens ?? Math.ceil(e.chars / 4);
  return tokens;
}

export interface BranchSummary {
  hints: string[];
  toolCallsAfter: number;
  toolCallsTotal: number;
  answer: string | undefined;
  verdict: Trace["verdict"];
  charsAfter: number;
  charsTotal: number;
  tokens: number;
}

/** Code runs behind the tool outputs of `segments` (a skipped block has an output but no run). */
function executed(segments: readonly Segment[], events: readonly TraceEvent[]): number {
  const outputs = segments.filter((s) => s.kind === "tool_output").length;
  return events.filter(isRun).slice(0, outputs).filter((e) => e.type === "code-executed").length;
}

export function summarizeBranch(trace: Trace, branch: Branch): BranchSummary {
  return {
    hints: branch.segments.filter((s) => s.kind === "hint").map((s) => s.hintId ?? "(unnamed hint)"),
    toolCallsAfter: executed(branch.segments, branch.events),
    toolCallsTotal: executed(trace.segments, trace.events),
    answer: trace.answer,
    verdict: trace.verdict,
    charsAfter: branch.chars,
    charsTotal: trace.segments.reduce((n, s) => n + s.text.length, 0),
    tokens: traceTokens(trace.events),
  };
}
