import { describe, expect, it } from "vitest";
import { escapeNul, unescapeNul } from "./nul";

describe("the U+0000 escape of the PostgreSQL store", () => {
  it("leaves ordinary text alone and removes every U+0000 and JSON \\u0000", () => {
    for (const s of ["", "plain", "a\\nb \\u00e9", "emoji 😀", "\\\\u0000"]) expect(escapeNul(s)).toBe(s);
    expect(escapeNul("a\0b")).not.toContain("\0");
    expect(escapeNul(JSON.stringify({ x: "a\0b" }))).not.toMatch(/\\u0000/);
    // The JSON escape becomes one PostgreSQL's ->> turns into the raw escape, which reads back as U+0000.
    expect(escapeNul(JSON.stringify("a\0b"))).toBe('"a\\ufdd0\\ufdd1b"');
    expect(unescapeNul(JSON.parse('"a\\ufdd0\\ufdd1b"') as string)).toBe("a\0b");
  });

  it("is undone exactly, for any mix of the characters it uses", () => {
    const alphabet = ["\0", "\uFDD0", "\uFDD1", "\\", "u", "0", "fdd0", "fdd1", "0000", "a"];
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed / 2 ** 31);
    for (let i = 0; i < 5000; i++) {
      const s = Array.from({ length: Math.floor(rand() * 12) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join("");
      const e = escapeNul(s);
      expect(e).not.toContain("\0");
      expect(unescapeNul(e), JSON.stringify(s)).toBe(s);
      // A JSON document of it survives too (what the store writes for segments and events).
      expect(JSON.parse(unescapeNul(escapeNul(JSON.stringify({ s }))))).toEqual({ s });
      expect((JSON.parse(escapeNul(JSON.stringify({ s }))) as { s: string }).s).not.toContain("\0");
    }
  });
});
