import { describe, expect, it } from "vitest";
import { NdjsonDecoder, encodeNdjson, readNdjson } from "./ndjson";
import { GenerateFrameSchema } from "./generate";

describe("NDJSON", () => {
  it("keeps multi-byte characters split across chunks (every split point)", () => {
    const frames = [
      { type: "text", text: "等等，让我再想想 🤔 — ∑ᵢ xᵢ" },
      { type: "done", result: { finishReason: "eos" } },
    ];
    const bytes = new TextEncoder().encode(frames.map(encodeNdjson).join(""));
    for (let cut = 1; cut < bytes.length; cut++) {
      const d = new NdjsonDecoder();
      const out = [...d.push(bytes.slice(0, cut)), ...d.push(bytes.slice(cut)), ...d.end()];
      expect(out.map((f) => GenerateFrameSchema.parse(f))).toEqual(frames);
    }
  });
  it("parses a last line without newline and rejects malformed lines with a readable error", () => {
    const d = new NdjsonDecoder();
    expect(d.push(new TextEncoder().encode('{"a":1}\n{"b":'))).toEqual([{ a: 1 }]);
    expect(d.push(new TextEncoder().encode("2}"))).toEqual([]);
    expect(d.end()).toEqual([{ b: 2 }]);
    expect(() => new NdjsonDecoder().push(new TextEncoder().encode("nope\n"))).toThrow(/malformed NDJSON line: nope/);
  });
  it("reads a byte stream in one batch per network read", async () => {
    const enc = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(enc.encode('{"type":"text","text":"a"}\n{"type":"text",'));
        c.enqueue(enc.encode('"text":"b"}\n'));
        c.close();
      },
    });
    const batches: unknown[][] = [];
    for await (const b of readNdjson(body)) batches.push(b);
    expect(batches).toEqual([[{ type: "text", text: "a" }], [{ type: "text", text: "b" }]]);
  });
});
