import { describe, expect, it } from "vitest";
import { CURRENCY, codeRanges, prepareMathSource } from "./math-source";

const prep = (s: string) => prepareMathSource(s).replaceAll(CURRENCY, "¤");

describe("prepareMathSource", () => {
  it("keeps the length of every text (offsets stay exact)", () => {
    for (const s of ["$5 and $10", "\\(x\\) and \\[y\\]", "`$a$` $b$", "```\n$x\n```\n$y$", "a \\\\(b\\\\) c", "$$x$$ $", "\\(unclosed"]) {
      expect(prepareMathSource(s)).toHaveLength(s.length);
    }
  });

  it("reads \\(…\\) and \\[…\\] as math of the same length", () => {
    expect(prep("so \\(x^2\\) is \\[\\frac{1}{2}\\]")).toBe("so $$x^2$$ is $$\\frac{1}{2}$$");
    expect(prep("\\[\nx = 1\n\\]")).toBe("$$\nx = 1\n$$");
  });

  it("keeps \\[…\\] inline unless both delimiters stand alone on their lines (a display block)", () => {
    // Models write "\\]Compute …": a `$$` opening that line would start a display block that runs on.
    expect(prep("formula\n\\[\n  x\n\\]Compute")).toBe("formula $$\n  x $$Compute");
    expect(prep("\\[\nx\n\\]\nthen")).toBe("$$\nx\n$$\nthen");
    expect(prep("\\[\nx\n\\]tail")).toBe("$$ x $$tail");
  });

  it("leaves escaped and unclosed brackets alone", () => {
    expect(prep("a \\\\(b\\\\) c")).toBe("a \\\\(b\\\\) c");
    expect(prep("half-streamed \\(x^")).toBe("half-streamed \\(x^");
    // A closer in the next paragraph does not pair.
    expect(prep("\\(a\n\nb\\)")).toBe("\\(a\n\nb\\)");
  });

  it("follows Pandoc's rule for single dollars: currency is not math", () => {
    expect(prep("It costs $5 and $10.")).toBe("It costs ¤5 and ¤10.");
    expect(prep("a $12$-gon and $\\frac{1}{2}$")).toBe("a $12$-gon and $\\frac{1}{2}$");
    expect(prep("between $ 5 and 6 $ here")).toBe("between ¤ 5 and 6 ¤ here");
    // A closer followed by a digit is not a closer.
    expect(prep("$5 or $3$")).toBe("¤5 or $3$");
    expect(prep("pay $20, get $x$")).toBe("pay ¤20, get $x$");
    expect(prep("escaped \\$5 stays")).toBe("escaped \\$5 stays");
  });

  it("does not touch code spans or fenced code", () => {
    expect(prep("`cost = $5` and $x$")).toBe("`cost = $5` and $x$");
    expect(prep("```python\nprint('$5')\n```\n$y$")).toBe("```python\nprint('$5')\n```\n$y$");
    expect(codeRanges("a ``b`c`` d")).toEqual([[2, 9]]);
  });

  it("leaves $$…$$ as remark-math reads it", () => {
    expect(prep("$$x$$ then $y$")).toBe("$$x$$ then $y$");
  });
});
