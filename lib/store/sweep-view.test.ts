import { describe, expect, it } from "vitest";
import { SweepSpecSchema, type Segment, type SweepOutcome } from "@/lib/protocol";
import { planSweep, summarizePositions, summarizeSweep, triggerPositions } from "@/lib/sweeps";
import { cellState, gridRows, positionChunks, pp, pText, rateColor, sweepTag, SweepViewSchema, tracesByTag, type SweepItemView, type SweepView } from "./sweep-view";

const seg = (kind: Segment["kind"], text: string, i: number): Segment => ({ id: `s${i}`, kind, text });
const SEGMENTS = [seg("prompt", "<prompt>", 0), seg("model", "Let me think. Wait, 2+2 is 4. Wait, check it. So 4.", 1)];
const SOURCE = { segments: SEGMENTS, events: [], triggers: ["Wait"], endOfThinking: "</think>" };

/** A SweepView as the API builds it: plan from the pure core, outcomes for some items, summaries from summarizeSweep. */
function fixtureView(specInput: unknown, outcomeOf: (it: { arm: string; position: number; sample: number }) => Partial<SweepOutcome> | "failed" | "running" | "pending"): SweepView {
  const spec = SweepSpecSchema.parse(specInput);
  const plan = planSweep(spec, SOURCE);
  const outcomes: SweepOutcome[] = [];
  const items: SweepItemView[] = plan.items.map((it) => {
    const o = outcomeOf(it);
    if (typeof o === "string") return { id: it.id, arm: it.arm, position: it.position, sample: it.sample, seed: it.seed, status: o, ...(o === "failed" ? { error: "model server 502" } : {}) };
    const outcome: SweepOutcome = { itemId: it.id, arm: it.arm, position: it.position, sample: it.sample, ledToCode: false, toolCalls: 0, toolSuccesses: 0, tokens: 100, durationMs: 1000, ...o };
    outcomes.push(outcome);
    return { id: it.id, arm: it.arm, position: it.position, sample: it.sample, seed: it.seed, status: "done", traceId: `t-${it.id}`, outcome };
  });
  const keys = plan.arms.map((a) => a.key);
  const raw = {
    id: "sw1",
    name: "sweep 1",
    kind: "sweep",
    status: "running",
    spec,
    arms: plan.arms.map((a) => ({ key: a.key, label: a.key })),
    positions: plan.positions.map((p) => ({ segment: p.segment, offset: p.offset, textOffset: p.textOffset, ...(p.trigger ? { label: p.trigger } : {}) })),
    progress: { total: items.length, done: outcomes.length, failed: 0, running: 0, pending: 0 },
    items,
    summary: spec.type === "hints" ? summarizeSweep(keys, outcomes) : null,
    positionSummary: spec.type === "positions" ? summarizePositions(plan.positions.length, outcomes) : null,
    cost: { promptTokens: 10, cachedTokens: 5, completionTokens: 20 },
    createdAt: 1_796_000_000_000,
    updatedAt: 1_796_000_060_000,
  };
  // Through the client schema, as the page reads it: the fixture must be a valid response.
  return SweepViewSchema.parse(JSON.parse(JSON.stringify(raw)));
}

describe("cellState", () => {
  it("tells correct, wrong, ungraded, failed, running and pending apart", () => {
    const o = (correct?: boolean) => ({ itemId: "x", arm: "none", position: 0, sample: 0, ledToCode: false, toolCalls: 0, toolSuccesses: 0, tokens: 0, durationMs: 0, ...(correct === undefined ? {} : { correct }) });
    expect(cellState({ status: "done", outcome: o(true) })).toBe("correct");
    expect(cellState({ status: "done", outcome: o(false) })).toBe("wrong");
    // No verdict is not a wrong answer.
    expect(cellState({ status: "done", outcome: o() })).toBe("ungraded");
    expect(cellState({ status: "failed" })).toBe("failed");
    expect(cellState({ status: "running" })).toBe("running");
    expect(cellState({ status: "pending" })).toBe("pending");
  });
});

describe("gridRows", () => {
  const spec = { type: "hints", traceId: "t", at: { segment: 1, offset: 14 }, samples: 4, arms: [{ kind: "none" }, { kind: "hint", hintId: "py" }, { kind: "text", text: "Wait, code it.\n```python\n" }] };

  it("gives one row per arm in the sweep's order, cells in sample order, with the server's figures", () => {
    // none right on samples 0,1; the hint right on 0,1,2,3; the text: 0 wrong, 1 ungraded, 2 failed, 3 running.
    const view = fixtureView(spec, ({ arm, sample }) => {
      if (arm === "none") return { correct: sample < 2 };
      if (arm === "hint:py") return { correct: true, ledToCode: true, toolCalls: 1, toolSuccesses: sample % 2 };
      return (["wrong", "ungraded", "failed", "running"] as const).map((s) => (s === "wrong" ? { correct: false } : s === "ungraded" ? {} : s))[sample]!;
    });
    const rows = gridRows(view);
    expect(rows.map((r) => r.key)).toEqual(["none", "hint:py", view.arms[2]!.key]);
    expect(rows[2]!.cells.map(cellState)).toEqual(["wrong", "ungraded", "failed", "running"]);
    expect(rows[0]!.cells.map((c) => c.sample)).toEqual([0, 1, 2, 3]);
    expect(rows[1]!.summary).toMatchObject({ n: 4, graded: 4, correct: 4, correctRate: 1, ledToCodeRate: 1, toolSuccessRate: 0.5 });
    expect(rows[0]!.summary).toMatchObject({ correct: 2, correctRate: 0.5 });
    // 4 pairs: both right ×2, hint only ×2 → diff +50 pp, McNemar p = 2·(1/2)^2 = 0.5.
    expect(rows[1]!.vsNone).toMatchObject({ pairs: 4, bothCorrect: 2, armOnly: 2, noneOnly: 0, diff: 0.5, pValue: 0.5 });
    expect(rows[0]!.vsNone).toBeUndefined();
    // The text arm: one graded sample (wrong) pairs with none's sample 0 (right).
    expect(rows[2]!.vsNone).toMatchObject({ pairs: 1, noneOnly: 1 });
  });

  it("keeps an arm whose items are all pending (no summary rows yet)", () => {
    const view = fixtureView(spec, () => "pending");
    const rows = gridRows({ ...view, summary: null });
    expect(rows.map((r) => [r.key, r.cells.length, r.summary])).toEqual([
      ["none", 4, undefined],
      ["hint:py", 4, undefined],
      [view.arms[2]!.key, 4, undefined],
    ]);
  });
});

describe("positionChunks", () => {
  it("cuts the model text at every position, so each strip cell spans the text after its position", () => {
    const view = fixtureView({ type: "positions", traceId: "t", positions: "triggers", arm: { kind: "hint", hintId: "py" }, samples: 2 }, ({ position }) => ({ correct: position === 1 }));
    const triggers = triggerPositions(SOURCE);
    expect(view.positions.map((p) => p.textOffset)).toEqual(triggers.map((t) => t.textOffset));
    const chunks = positionChunks(SEGMENTS, view);
    expect(chunks.map((c) => [c.position, c.text])).toEqual([
      [null, "Let me think. "],
      [0, "Wait, 2+2 is 4. "],
      [1, "Wait, check it. So 4."],
    ]);
    // Chunks put back together are the model text exactly: nothing lost, nothing doubled.
    expect(chunks.map((c) => c.text).join("")).toBe(SEGMENTS[1]!.text);
    expect(chunks[1]!.summary).toMatchObject({ position: 0, graded: 2, correct: 0, correctRate: 0 });
    expect(chunks[2]!.summary).toMatchObject({ position: 1, graded: 2, correct: 2, correctRate: 1 });
    expect(chunks[2]!.label).toBe("Wait");
  });

  it("shows the whole text as one unmarked chunk when there are no positions", () => {
    expect(positionChunks(SEGMENTS, { positions: [], positionSummary: [] })).toEqual([{ position: null, text: SEGMENTS[1]!.text, summary: undefined }]);
  });
});

describe("labels and links", () => {
  it("builds the runner's tags and the library link", () => {
    expect(sweepTag("a")).toBe("sweep:a");
    expect(sweepTag("a", "hint:py")).toBe("sweep:a:hint:py");
    expect(sweepTag("a", "none", 3)).toBe("sweep:a:none@3");
    expect(tracesByTag("sweep:a:none@3")).toBe("/traces?tag=sweep%3Aa%3Anone%403");
  });

  it("formats differences, p-values and rate colours", () => {
    expect(pp(0.125)).toBe("+12.5 pp");
    expect(pp(-0.5)).toBe("−50.0 pp");
    expect(pp(null)).toBe("—");
    expect(pText(0.0001)).toBe("< 0.001");
    expect(pText(0.5)).toBe("0.50");
    expect(rateColor(0)).toBe("hsl(0 65% 45%)");
    expect(rateColor(1)).toBe("hsl(120 65% 45%)");
    expect(rateColor(null)).toBe("hsl(0 0% 80%)");
  });
});
