import { describe, expect, it } from "vitest";
import { capResult, capStream, capTraceback } from "./output-cap";

// The page's own cap must accept exactly what the Python runner produces and cut anything else
// the same way (a sandbox may lie about what it printed).

describe("output cap", () => {
  it("leaves output within the limit alone, counting characters as Python does", () => {
    expect(capStream("hello\n", 10)).toEqual({ text: "hello\n", truncated: false });
    const emoji = "😀".repeat(10); // 20 UTF-16 units, 10 characters
    expect(capStream(emoji, 10)).toEqual({ text: emoji, truncated: false });
  });

  it("accepts the runner's own truncation as it is", () => {
    const runner = `${"x".repeat(10)}\n… [output truncated: 990 more characters]`;
    expect(capStream(runner, 10)).toEqual({ text: runner, truncated: true });
  });

  it("cuts longer output to the limit with the runner's marker, never splitting a character", () => {
    expect(capStream("x".repeat(25), 10)).toEqual({ text: `${"x".repeat(10)}\n… [output truncated: 15 more characters]`, truncated: true });
    expect(capStream("😀".repeat(12), 10).text).toBe(`${"😀".repeat(10)}\n… [output truncated: 2 more characters]`);
    // A marker that does not sit right after `max` characters is just text.
    const fake = `${"x".repeat(50)}\n… [output truncated: 1 more characters]`;
    expect(capStream(fake, 10).text).toBe(`${"x".repeat(10)}\n… [output truncated: ${fake.length - 10} more characters]`);
  });

  it("keeps the end of a traceback, where the exception is", () => {
    const tb = `Traceback (most recent call last):\n${"  frame\n".repeat(20)}ValueError: bad`;
    const cut = capTraceback(tb, 30);
    expect(cut.truncated).toBe(true);
    expect(cut.text).toMatch(/^… \[traceback truncated: \d+ characters\]\n/);
    expect(cut.text.endsWith("ValueError: bad")).toBe(true);
    expect(cut.text.split("\n").slice(1).join("\n")).toHaveLength(30);
    expect(capTraceback(cut.text, 30)).toEqual(cut); // the runner's (and our own) form is kept
  });

  it("derives truncated from the text, not from the sandbox's claim, and sets timedOut/duration itself", () => {
    const r = capResult({ stdout: "ok", stderr: "", timedOut: true, truncated: true, durationMs: 1e9 }, 100, 12);
    expect(r).toEqual({ stdout: "ok", stderr: "", timedOut: false, truncated: false, durationMs: 12 });
  });
});
