import { describe, expect, it } from "vitest";
import { advanceBlocks, initialParse } from "./blocks";

describe("advanceBlocks", () => {
  it("gives the same blocks streamed char by char as parsed at once, and keeps finished blocks' identity", () => {
    const text = "First para.\n\nSecond, with code:\n```python\nprint(1)\n\nx = 2\n```\nAfter.\n\nTail";
    const once = advanceBlocks(initialParse(false), text);
    let p = initialParse(false);
    let firstBlock: unknown;
    for (let i = 1; i <= text.length; i++) {
      p = advanceBlocks(p, text.slice(0, i));
      if (p.blocks[0] && !firstBlock) firstBlock = p.blocks[0];
    }
    expect(p.blocks).toEqual(once.blocks);
    expect(p.blocks[0]).toBe(firstBlock);
    expect(p.blocks.map((b) => b.kind)).toEqual(["text", "text", "code", "text"]);
    expect(p.blocks[2]!.text).toBe("print(1)\n\nx = 2\n");
    expect(text.slice(p.end)).toBe("Tail");
  });
  it("a segment that starts inside a hint's opened fence begins in code", () => {
    const p = advanceBlocks(initialParse(true), "n = 10\nprint(n)\n```\nDone");
    expect(p.blocks).toEqual([{ kind: "code", text: "n = 10\nprint(n)\n", start: 0 }]);
    expect(p.inCode).toBe(false);
  });
});
