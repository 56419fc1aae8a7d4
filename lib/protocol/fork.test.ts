import { describe, expect, it } from "vitest";
import { ForkBodySchema } from "./traces-api";
import { ForkAtSchema, SegmentSchema } from "./trace";

describe("fork schemas", () => {
  it("a fork body is a point (with an optional alternative) or an edit, never both", () => {
    expect(ForkBodySchema.parse({ segment: 1, offset: 4 })).toEqual({ segment: 1, offset: 4 });
    const alternative = { text: " Hmm", logprob: -2, replaced: " Wait" };
    expect(ForkBodySchema.parse({ segment: 1, offset: 4, alternative })).toEqual({ segment: 1, offset: 4, alternative });
    expect(ForkBodySchema.parse({ edit: "e1" })).toEqual({ edit: "e1" });
    expect(ForkBodySchema.safeParse({ edit: "e1", segment: 1, offset: 4 }).success).toBe(false);
    expect(ForkBodySchema.safeParse({ edit: "" }).success).toBe(false);
    expect(ForkBodySchema.safeParse({ segment: 1 }).success).toBe(false);
  });

  it("forkAt and stored edit segments keep who corrected the text", () => {
    const at = { segment: 1, offset: 40, edit: { id: "e1", author: "ann" } };
    expect(ForkAtSchema.parse(JSON.parse(JSON.stringify(at)))).toEqual(at);
    const segment = { id: "e1@edit", kind: "edit", text: "^{nt}", original: "^n t", editId: "e1", author: "ann" };
    expect(SegmentSchema.parse(JSON.parse(JSON.stringify(segment)))).toEqual(segment);
  });
});
