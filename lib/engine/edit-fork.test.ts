import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Edit, ExecutionResult, Problem, Segment, TraceEvent } from "@/lib/protocol";
import { testTraceConfig } from "@/lib/protocol/__fixtures__/trace-config";
import { reduce, type EngineState } from "./engine";
import { editForkPrefix } from "./edit-fork";
import { restoreEngine } from "./restore";
import { selectFinalResponse, selectGenerateRequest, selectTraceText } from "./selectors";
import { getTemplate, renderUserMessage } from "./templates";

// A real R1-distill trace (MATH 1591, Dr. Fu Manchu's compound interest): its thinking writes the
// compound-interest formula wrongly, `^n t` for `^{nt}` — the correction an annotator would make.
const ROW = JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../../e2e/fixtures/data/r1-distill-math-40.jsonl"), "utf8").split("\n")[0]!) as {
  problem: string;
  gold_answer: string;
  completion: string;
};
const WRONG = "\\[ A = P \\left(1 + \\frac{r}{n}\\right)^n t \\]";
const RIGHT = "\\[ A = P \\left(1 + \\frac{r}{n}\\right)^{nt} \\]";
const START = ROW.completion.indexOf(WRONG);
const END = START + WRONG.length;

const problem: Problem = { id: "p", kind: "math", statement: ROW.problem, gold: ROW.gold_answer };
const config = testTraceConfig({
  template: "deepseek-r1",
  sampling: { maxTokens: 100_000 },
  policy: { type: "manual", pauseAtTriggers: false, pauseAtEndOfThinking: true },
});
const prompt = getTemplate("deepseek-r1").render(renderUserMessage(problem, "deepseek-r1"));
const stored: Segment[] = [
  { id: "seg-1", kind: "prompt", text: prompt },
  { id: "seg-3", kind: "model", text: ROW.completion },
];
const events: TraceEvent[] = [{ type: "run-started", at: 1 }, { type: "stream-started", at: 2, streamId: "stream-2", promptChars: prompt.length }, { type: "run-finished", at: 3, reason: "eos" }];
const edit = (id: string, segment: number, start: number, end: number, replacement: string, segments = stored, author = "ann"): Edit => ({
  id,
  segment,
  start,
  end,
  original: segments[segment]!.text.slice(start, end),
  replacement,
  author,
  createdAt: 1,
});
const formula = edit("e-formula", 1, START, END, RIGHT);

let clock = 10;
const at = () => ++clock;
/** Stream `text` into the engine's current stream in 7-character chunks. */
function stream(s: EngineState, text: string): EngineState {
  const streamId = s.streamId!;
  for (let i = 0; i < text.length && s.streamId === streamId; i += 7) s = reduce(s, { type: "chunk", streamId, text: text.slice(i, i + 7), at: at() });
  return s.streamId === streamId ? reduce(s, { type: "stream-ended", streamId, result: { finishReason: "eos" }, at: at() }) : s;
}

describe("editForkPrefix", () => {
  it("is the edited text up to the end of the edit: the model's text before it, then the correction; nothing after it (no </think>)", () => {
    const p = editForkPrefix(stored, events, [formula], formula.id);
    expect(p.segments).toEqual([
      stored[0],
      { id: "seg-3", kind: "model", text: ROW.completion.slice(0, START) },
      { id: "e-formula@edit", kind: "edit", text: RIGHT, original: WRONG, editId: "e-formula", author: "ann" },
    ]);
    expect(selectTraceText(p.segments)).toBe(prompt + ROW.completion.slice(0, START) + RIGHT);
    expect(selectTraceText(p.segments)).not.toContain("</think>");
    expect(p.at).toEqual({ segment: 1, offset: END });
    expect(p.unchangedUntil).toEqual({ segment: 1, offset: START });
    // The run is not finished any more: the model goes on from here.
    expect(p.events.map((e) => e.type)).toEqual(["run-started"]);
  });

  it("applies the edits wholly inside the prefix, not those after it (an insertion exactly at its end included)", () => {
    const earlier = edit("e-early", 1, 0, 5, "Right");
    const later = edit("e-later", 1, END + 10, END + 20, "later text");
    const atEnd = edit("e-at-end", 1, END, END, " (inserted)");
    const p = editForkPrefix(stored, events, [later, formula, atEnd, earlier], formula.id);
    expect(p.segments.map((s) => [s.kind, s.text])).toEqual([
      ["prompt", prompt],
      ["edit", "Right"],
      ["model", ROW.completion.slice(5, START)],
      ["edit", RIGHT],
    ]);
    expect(p.segments[1]).toMatchObject({ editId: "e-early", original: ROW.completion.slice(0, 5) });
    // Token probabilities are the parent's only before the first change.
    expect(p.unchangedUntil).toEqual({ segment: 1, offset: 0 });
  });

  it("cuts events like forkPrefix and applies edits of earlier segments", () => {
    const segments: Segment[] = [
      stored[0]!,
      { id: "seg-3", kind: "model", text: ROW.completion.slice(0, 300) },
      { id: "seg-5", kind: "hint", text: "Wait, maybe using Python here is a good idea.\n```python\n", hintId: "math-general", reason: "end-of-thinking" },
      { id: "seg-6", kind: "model", text: "print(round(((1 + 0.06 / 12) ** 12 - 1) * 100, 2))\n```\n" },
      { id: "seg-8", kind: "tool_output", text: "```output\n6.17\n```\n" },
      { id: "seg-9", kind: "model", text: "So r is about 6.17. Let me double-check the rounding.\n</think>\n\nThe answer is \\boxed{6.17}." },
    ];
    const evs: TraceEvent[] = [
      { type: "run-started", at: 1 },
      { type: "paused", at: 2, reason: "end-of-thinking", word: "</think>", offset: 500 },
      { type: "hint-injected", at: 3, hintId: "math-general", reason: "end-of-thinking", offset: 500, decidedBy: "user", round: 1 },
      { type: "code-executed", at: 4, code: "print(1)", stdout: "6.17\n", stderr: "", timedOut: false, truncated: false, durationMs: 2 },
      { type: "stream-ended", at: 5, streamId: "stream-9", finishReason: "eos", chars: 80, durationMs: 9 },
      { type: "run-finished", at: 6, reason: "eos" },
    ];
    const early = edit("e1", 1, 10, 20, "EDITED", segments, "bob");
    const last = edit("e2", 5, 0, 19, "So r is 6.17 exactly?", segments);
    const p = editForkPrefix(segments, evs, [early, last], "e2");
    expect(p.segments.map((s) => s.kind)).toEqual(["prompt", "model", "edit", "model", "hint", "model", "tool_output", "edit"]);
    expect(p.segments[2]).toMatchObject({ text: "EDITED", author: "bob" });
    expect(selectTraceText(p.segments).endsWith("```output\n6.17\n```\nSo r is 6.17 exactly?")).toBe(true);
    expect(p.events.map((e) => e.type)).toEqual(["run-started", "paused", "hint-injected", "code-executed"]);
    expect(p.unchangedUntil).toEqual({ segment: 1, offset: 10 });
  });

  it("an insertion at a segment's very start, and refusals: an edit not on the trace, one that no longer applies", () => {
    const insert = edit("e0", 1, 0, 0, "Let me be careful. ");
    expect(editForkPrefix(stored, events, [insert], "e0").segments.map((s) => [s.kind, s.text])).toEqual([
      ["prompt", prompt],
      ["edit", "Let me be careful. "],
    ]);
    expect(() => editForkPrefix(stored, events, [formula], "nope")).toThrow(/edit nope is not on this trace/);
    const stale = { ...formula, original: "not what is there" };
    expect(() => editForkPrefix(stored, events, [stale], formula.id)).toThrow(/no longer applies/);
  });
});

describe("continuing a fork from an edit", () => {
  const restore = (segments: Segment[], evs: TraceEvent[]) => restoreEngine({ traceId: "fork", problem, config, segments, events: evs });

  it("asks for exactly the corrected prefix, inside the thinking; the model's text follows the edit, </think> once where it writes it", () => {
    const p = editForkPrefix(stored, events, [formula], formula.id);
    let s = restore(p.segments, p.events);
    expect(s.thinkingClosed).toBe(false);
    s = reduce(s, { type: "continue", mode: "resume", at: at() });
    const request = selectGenerateRequest(s);
    expect(request.prompt).toBe(prompt + ROW.completion.slice(0, START) + RIGHT);
    expect(request.editedPrefix).toBe(true);
    // Pausing at the end of thinking stays possible: the marker is a stop.
    expect(request.stop).toContain("</think>");

    const rest = ROW.completion.slice(END);
    s = stream(s, rest);
    expect(s.phase).toBe("paused");
    expect(s.pause).toMatchObject({ reason: "end-of-thinking" });
    s = reduce(s, { type: "continue", mode: "resume", at: at() });
    s = stream(s, rest.slice(rest.indexOf("</think>") + "</think>".length));
    expect(s.phase).toBe("finished");
    // The correction is kept as it was; the model's text is a new segment after it.
    expect(s.segments.slice(0, 3)).toEqual(p.segments);
    expect(s.segments[3]).toMatchObject({ kind: "model" });
    const text = selectTraceText(s.segments);
    expect(text).toBe(prompt + ROW.completion.slice(0, START) + RIGHT + rest);
    expect(text.split("</think>")).toHaveLength(2);
    expect(selectFinalResponse(s)).toContain("\\boxed{6.17}");
  });

  it("an edit inside a python block: the restored engine is in the code, and the code run is the corrected one", () => {
    const segments: Segment[] = [stored[0]!, { id: "seg-3", kind: "model", text: "Let me compute it.\n```python\nr = (1 + 0.06/12)**12\nprint(r)\n```\n" }];
    const fix = edit("e-code", 1, 29, 50, "r = ((1 + 0.06/12)**12 - 1) * 100", segments);
    expect(fix.original).toBe("r = (1 + 0.06/12)**12");
    const p = editForkPrefix(segments, events, [fix], "e-code");
    let s = restore(p.segments, p.events);
    expect(s.inCode).toBe(true);
    s = reduce(s, { type: "continue", mode: "resume", at: at() });
    s = stream(s, "\nprint(round(r, 2))\n```\n");
    expect(s.phase).toBe("executing");
    expect(s.pendingCode).toBe("r = ((1 + 0.06/12)**12 - 1) * 100\nprint(round(r, 2))\n");
    const ok: ExecutionResult = { stdout: "6.17\n", stderr: "", timedOut: false, truncated: false, durationMs: 1 };
    s = reduce(s, { type: "executed", execId: s.execId!, result: ok, at: at() });
    expect(s.segments.at(-1)).toMatchObject({ kind: "tool_output", text: "```output\n6.17\n```\n" });
  });

  it("a trace without edit segments does not mark its requests", () => {
    const s = reduce(restore(stored.slice(0, 1).concat({ ...stored[1]!, text: ROW.completion.slice(0, START) }), events.slice(0, 1)), { type: "continue", mode: "resume", at: at() });
    expect(selectGenerateRequest(s).editedPrefix).toBeUndefined();
  });
});
