import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SweepSpecSchema, type Segment, type SweepSpecInput, type TraceEvent } from "@/lib/protocol";
import { planSweep, remainingItems, type SweepSource } from "./plan";

const FIXTURES = path.resolve(import.meta.dirname, "../../e2e/fixtures/data/r1-distill-math-40.jsonl");
const SHARED_FIXTURES = path.resolve(import.meta.dirname, "../../../shared/fixtures/traces/r1-distill-math-40.jsonl");
const raw = (() => {
  try {
    return readFileSync(FIXTURES, "utf8");
  } catch {
    return readFileSync(SHARED_FIXTURES, "utf8");
  }
})();
const first = JSON.parse(raw.split("\n")[0]!) as { prompt: string; completion: string };

const seg = (id: number, kind: Segment["kind"], text: string): Segment => ({ id: `s${id}`, kind, text });
const events: TraceEvent[] = [{ type: "paused", at: 1, reason: "trigger", word: "Wait", offset: first.prompt.length + 100 }];
const source: SweepSource = {
  segments: [seg(0, "prompt", first.prompt), seg(1, "model", first.completion)],
  events,
  triggers: ["Wait", "Alternatively"],
  endOfThinking: "</think>",
};
const spec = (input: SweepSpecInput) => SweepSpecSchema.parse(input);

const parsedHintSweep = spec({
  type: "hints",
  traceId: "t1",
  at: { segment: 1, offset: 100 },
  arms: [{ kind: "none" }, { kind: "hint", hintId: "check-with-code" }, { kind: "text", text: "Wait, let me verify this with Python.\n```python\n" }],
  samples: 4,
  seed: 100,
});
if (parsedHintSweep.type !== "hints") throw new Error("expected a hint sweep");
const hintSweep = parsedHintSweep;

describe("planSweep", () => {
  it("expands arms × samples with deterministic ids, paired by seed", () => {
    const plan = planSweep(hintSweep, source);
    expect(plan.items.length).toBe(12);
    expect(plan.arms.map((a) => a.key)).toEqual(["none", "hint:check-with-code", expect.stringMatching(/^text:[0-9a-f]{8}$/)]);
    expect(new Set(plan.items.map((it) => it.id)).size).toBe(12);
    expect(plan.items[0]!.id).toBe("none@0#0");
    for (let k = 0; k < 4; k++) {
      const seeds = plan.items.filter((it) => it.sample === k).map((it) => it.seed);
      expect(seeds).toEqual([100 + k, 100 + k, 100 + k]);
    }
    expect(plan.positions).toEqual([{ segment: 1, offset: 100, textOffset: first.prompt.length + 100 }]);
    // Same spec and source, a fresh call: the same plan (ids are what resumption keys on).
    expect(planSweep(SweepSpecSchema.parse(JSON.parse(JSON.stringify(hintSweep))), source)).toEqual(plan);
  });

  it("resolves a pause index to the same point as its {segment, offset}", () => {
    const byPause = planSweep({ ...hintSweep, at: { pause: 0 } }, source);
    expect(byPause.positions).toEqual(planSweep(hintSweep, source).positions);
    expect(() => planSweep({ ...hintSweep, at: { pause: 1 } }, source)).toThrow(/pause 1 does not exist/);
  });

  it("refuses points the engine cannot fork at", () => {
    expect(() => planSweep({ ...hintSweep, at: { segment: 0, offset: 3 } }, source)).toThrow(/prompt cannot be cut/);
    expect(() => planSweep({ ...hintSweep, at: { segment: 2, offset: 0 } }, source)).toThrow(/segment 2 does not exist/);
    const withHint: SweepSource = { ...source, segments: [...source.segments, seg(2, "hint", "Wait, code.\n```python\n")] };
    expect(() => planSweep({ ...hintSweep, at: { segment: 2, offset: 3 } }, withHint)).toThrow(/only model text can be cut/);
    expect(planSweep({ ...hintSweep, at: { segment: 2, offset: 0 } }, withHint).positions[0]!.segment).toBe(2);
  });

  it("plans a position sweep over every trigger occurrence, seeds shared across positions", () => {
    const plan = planSweep(spec({ type: "positions", traceId: "t1", positions: "triggers", arm: { kind: "hint", hintId: "check-with-code" }, samples: 2, seed: 7 }), source);
    expect(plan.positions.length).toBe(11);
    expect(plan.items.length).toBe(22);
    expect(plan.items.slice(0, 3).map((it) => it.id)).toEqual(["hint:check-with-code@0#0", "hint:check-with-code@0#1", "hint:check-with-code@1#0"]);
    for (const it of plan.items) {
      expect(it.seed).toBe(7 + it.sample);
      expect(first.completion.slice(it.at.offset)).toMatch(/^(Wait|Alternatively)/);
    }
  });

  it("plans every k-th sentence", () => {
    const every = planSweep(spec({ type: "positions", traceId: "t1", positions: { sentences: 1 }, arm: { kind: "none" }, samples: 1 }), source);
    const fifth = planSweep(spec({ type: "positions", traceId: "t1", positions: { sentences: 5 }, arm: { kind: "none" }, samples: 1 }), source);
    expect(fifth.positions.length).toBe(Math.floor(every.positions.length / 5));
    expect(fifth.positions[0]).toEqual(every.positions[4]);
  });
});

describe("remainingItems", () => {
  const plan = planSweep(hintSweep, source);

  it("leaves what is neither done nor failed, in plan order; never an item twice", () => {
    const finished = ["none@0#1", "hint:check-with-code@0#3", "none@0#1"];
    const left = remainingItems(plan, finished);
    expect(left.length).toBe(10);
    expect(left.map((it) => it.id)).not.toContain("none@0#1");
    expect(left.map((it) => it.id)).toEqual(plan.items.map((it) => it.id).filter((id) => !finished.includes(id)));
    expect(remainingItems(plan, plan.items.map((it) => it.id))).toEqual([]);
    expect(remainingItems(plan, [])).toEqual(plan.items);
  });

  it("refuses finished ids from another plan", () => {
    expect(() => remainingItems(plan, ["none@0#9"])).toThrow(/not in this sweep's plan/);
  });
});
