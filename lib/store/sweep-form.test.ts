import { describe, expect, it, vi } from "vitest";
import type { Segment } from "@/lib/protocol";
import { checkSweepForm, defaultSampling, formArms, startSweep, type SweepForm } from "./sweep-form";

const seg = (kind: Segment["kind"], text: string, i: number): Segment => ({ id: `s${i}`, kind, text });
const SOURCE = {
  segments: [seg("prompt", "<prompt>", 0), seg("model", "Let me think. Wait, no. Wait, yes.", 1), seg("tool_output", "out", 2)],
  events: [],
  triggers: ["Wait"],
  endOfThinking: "</think>",
};
const form = (over: Partial<SweepForm> = {}): SweepForm => ({
  type: "hints",
  at: { segment: 1, offset: 14 },
  hintIds: ["py"],
  texts: [],
  includeNone: true,
  positions: "triggers",
  positionHintId: null,
  samples: 4,
  seed: 7,
  concurrency: 4,
  ...over,
});

describe("checkSweepForm", () => {
  it("builds the POST body and counts the samples with the server's planner", () => {
    const r = checkSweepForm("t1", form({ texts: [{ title: " mine ", text: "Wait, run it.\n```python\n" }, { title: "", text: "  " }], temperature: 0.7 }), SOURCE, { connection: "server" });
    expect(r).toEqual({
      ok: true,
      items: 12,
      positions: 1,
      body: {
        spec: {
          type: "hints",
          traceId: "t1",
          samples: 4,
          seed: 7,
          temperature: 0.7,
          at: { segment: 1, offset: 14 },
          arms: [{ kind: "none" }, { kind: "hint", hintId: "py" }, { kind: "text", text: "Wait, run it.\n```python\n", title: "mine" }],
        },
        settings: { connection: "server" },
        concurrency: 4,
      },
    });
  });

  it("says what to fix: no point, no arm, a repeated arm, samples out of range, a point that cannot be forked", () => {
    const err = (f: SweepForm) => {
      const r = checkSweepForm("t1", f, SOURCE);
      return r.ok ? "ok" : r.error;
    };
    expect(err(form({ at: undefined }))).toMatch(/choose where to sweep/);
    expect(err(form({ hintIds: [], includeNone: false }))).toMatch(/at least one arm/);
    expect(err(form({ texts: [{ title: "", text: "same" }, { title: "x", text: "same" }] }))).toMatch(/repeats arm/);
    expect(err(form({ samples: 0 }))).toMatch(/samples must be 1 to 256/);
    expect(err(form({ samples: 64 }))).toBe("ok");
    expect(err(form({ concurrency: 0 }))).toMatch(/concurrency must be 1 to/);
    expect(err(form({ at: { segment: 0, offset: 2 } }))).toMatch(/prompt cannot be cut/);
    expect(err(form({ at: { segment: 2, offset: 1 } }))).toMatch(/only model text can be cut/);
    expect(err(form({ at: { pause: 0 } }))).toMatch(/pause 0 does not exist/);
  });

  it("plans a position sweep over every trigger with one arm", () => {
    const r = checkSweepForm("t1", form({ type: "positions", positionHintId: "py", samples: 3 }), SOURCE);
    expect(r.ok && [r.positions, r.items, r.body.spec]).toEqual([2, 6, { type: "positions", traceId: "t1", samples: 3, seed: 7, positions: "triggers", arm: { kind: "hint", hintId: "py" } }]);
    const none = checkSweepForm("t1", form({ type: "positions", positions: { sentences: 1 } }), SOURCE);
    expect(none.ok && none.body.spec).toMatchObject({ positions: { sentences: 1 }, arm: { kind: "none" } });
  });

  it("refuses a position sweep with nothing to sample", () => {
    const r = checkSweepForm("t1", form({ type: "positions" }), { ...SOURCE, triggers: ["Hmm"] });
    expect(r).toEqual({ ok: false, error: "this trace has no such positions: nothing to sample" });
  });
});

describe("formArms / defaultSampling", () => {
  it("puts the baseline first", () => {
    expect(formArms({ includeNone: true, hintIds: ["a", "b"], texts: [] })).toEqual([{ kind: "none" }, { kind: "hint", hintId: "a" }, { kind: "hint", hintId: "b" }]);
  });
  it("takes the source's temperature and seed", () => {
    expect(defaultSampling({ temperature: 0.6, seed: 3 })).toEqual({ temperature: 0.6, seed: 3 });
    expect(defaultSampling({})).toEqual({ seed: 0 });
  });
});

describe("startSweep", () => {
  it("returns the id, or the server's message", async () => {
    const ok = vi.fn(async () => new Response(JSON.stringify({ id: "sw9" }), { status: 201 }));
    expect(await startSweep({ spec: { type: "hints", traceId: "t", at: { pause: 0 }, arms: [{ kind: "none" }] } }, ok as unknown as typeof fetch)).toEqual({ id: "sw9" });
    expect(JSON.parse((ok.mock.calls[0] as unknown as [string, RequestInit])[1].body as string)).toMatchObject({ spec: { traceId: "t" } });
    const bad = vi.fn(async () => new Response(JSON.stringify({ error: { code: "bad-request", message: "hint nope is not in the Hint-Library" } }), { status: 400 }));
    expect(await startSweep({ spec: { type: "hints", traceId: "t", at: { pause: 0 }, arms: [{ kind: "none" }] } }, bad as unknown as typeof fetch)).toEqual({ error: "hint nope is not in the Hint-Library" });
  });
});
