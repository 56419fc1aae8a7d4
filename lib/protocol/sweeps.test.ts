import { describe, expect, it } from "vitest";
import { SweepOutcomeSchema, SweepSpecSchema, sweepArmKey } from "./sweeps";

const messages = (input: unknown): string[] => {
  const r = SweepSpecSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => i.message);
};
const hints = { type: "hints", traceId: "t1", at: { segment: 1, offset: 10 }, arms: [{ kind: "none" }, { kind: "hint", hintId: "check-with-code" }] };

describe("SweepSpecSchema", () => {
  it("round-trips both kinds with their defaults", () => {
    const a = SweepSpecSchema.parse(hints);
    expect(a).toMatchObject({ samples: 8, seed: 0 });
    expect(SweepSpecSchema.parse(JSON.parse(JSON.stringify(a)))).toEqual(a);
    const b = SweepSpecSchema.parse({ type: "positions", traceId: "t1", positions: { sentences: 3 }, arm: { kind: "none" }, samples: 256, seed: -5, temperature: 0.6 });
    expect(SweepSpecSchema.parse(JSON.parse(JSON.stringify(b)))).toEqual(b);
    expect(SweepSpecSchema.parse({ ...hints, at: { pause: 2 } }).type).toBe("hints");
  });

  it("says what is wrong in words", () => {
    expect(messages({ ...hints, samples: 0 })).toEqual(["samples must be 1 to 256"]);
    expect(messages({ ...hints, samples: 257 })).toEqual(["samples must be 1 to 256"]);
    expect(messages({ ...hints, arms: [] })).toEqual(["a sweep needs at least one arm"]);
    expect(messages({ ...hints, traceId: "" })).toEqual(["the source trace id is required"]);
    expect(messages({ ...hints, type: "grid" })[0]).toMatch(/type "hints".*or "positions"/);
    expect(messages({ ...hints, arms: [{ kind: "hint", hintId: "a@1#2" }] })).toEqual(["a hint arm needs a Hint-Library id (lower-case letters, digits and dashes)"]);
    expect(messages({ ...hints, arms: [{ kind: "text", text: "" }] })).toEqual(["a text arm needs the text to inject"]);
    expect(messages({ type: "positions", traceId: "t", positions: { sentences: 0 }, arm: { kind: "none" } })).toEqual(["sentences: k must be 1 or more"]);
  });

  it("refuses the same arm twice", () => {
    const text = { kind: "text", text: "Wait, check.\n```python\n", title: "A" };
    expect(messages({ ...hints, arms: [{ kind: "none" }, { kind: "none" }] })).toEqual(["arm 1 repeats arm 0 (none)"]);
    expect(messages({ ...hints, arms: [text, { ...text, title: "B" }] })[0]).toMatch(/^arm 1 repeats arm 0 \(text:[0-9a-f]{8}\)$/);
  });
});

describe("sweepArmKey", () => {
  it("is stable and tells different texts apart", () => {
    expect(sweepArmKey({ kind: "hint", hintId: "x" })).toBe("hint:x");
    const k = sweepArmKey({ kind: "text", text: "Wait, a." });
    expect(sweepArmKey({ kind: "text", text: "Wait, a.", title: "t" })).toBe(k);
    expect(sweepArmKey({ kind: "text", text: "Wait, b." })).not.toBe(k);
  });
});

describe("SweepOutcomeSchema", () => {
  it("round-trips an ungraded outcome", () => {
    const o = { itemId: "none@0#0", arm: "none", position: 0, sample: 0, ledToCode: false, toolCalls: 0, toolSuccesses: 0, tokens: 10, durationMs: 5 };
    expect(SweepOutcomeSchema.parse(JSON.parse(JSON.stringify(o)))).toEqual(o);
  });
});
