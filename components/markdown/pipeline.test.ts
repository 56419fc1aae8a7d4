import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { unified } from "unified";
import remarkParse from "remark-parse";
import remarkRehype from "remark-rehype";
import type { Element, Root, RootContent } from "hast";
import { advanceBlocks, initialParse } from "../trace/blocks";
import { triggerRegex } from "../trace/highlight";
import { prepareMathSource } from "./math-source";
import { REMARK, rehypeFor } from "./pipeline";

/** The rendered view's hast for one block, exactly as MarkdownBlock renders it. */
function render(text: string, base = 0, triggers: string[] = []): Root {
  const prepared = prepareMathSource(text);
  const processor = unified()
    .use(remarkParse)
    .use(REMARK)
    .use(remarkRehype)
    .use(rehypeFor({ prepared, original: text, base, triggers: triggerRegex(triggers) }));
  return processor.runSync(processor.parse(prepared)) as Root;
}

interface Tag {
  o: number;
  e: number;
  lin: boolean;
  text: string;
  math: boolean;
}

const textOf = (n: RootContent): string => (n.type === "text" ? n.value : n.type === "element" ? n.children.map(textOf).join("") : "");

/** Every element carrying source offsets, in document order. */
function tags(tree: Root): Tag[] {
  const out: Tag[] = [];
  const walk = (n: Root | Element) => {
    for (const c of n.children) {
      if (c.type !== "element") continue;
      const p = c.properties ?? {};
      if (p.dataO !== undefined) {
        out.push({ o: Number(p.dataO), e: Number(p.dataE), lin: p.dataLin === true, text: textOf(c), math: String(p.className ?? "").includes("md-math") });
        continue;
      }
      walk(c);
    }
  };
  walk(tree);
  return out;
}

const classesIn = (tree: Root): string[] => {
  const out: string[] = [];
  const walk = (n: Root | Element) => {
    for (const c of n.children) {
      if (c.type !== "element") continue;
      const cls = c.properties?.className;
      if (Array.isArray(cls)) out.push(...cls.map(String));
      walk(c);
    }
  };
  walk(tree);
  return out;
};

/**
 * One for one: the same length and the same characters, except a line break shown as a space
 * (math-source.ts joins the line before an inline `\\[`).
 */
const sameChars = (a: string, b: string) => a.length === b.length && [...a].every((c, i) => c === b[i] || (/\s/.test(c) && /\s/.test(b[i]!)));

describe("rendered view pipeline: source offsets", () => {
  it("tags prose one for one with segment offsets, math as atoms", () => {
    const text = "Let **x** be $\\frac{1}{2}$, so \\(x^2\\) costs $5.";
    const t = tags(render(text, 100));
    for (const tag of t.filter((x) => x.lin)) expect(sameChars(text.slice(tag.o - 100, tag.e - 100), tag.text)).toBe(true);
    const math = t.filter((x) => x.math).map((x) => text.slice(x.o - 100, x.e - 100));
    expect(math).toEqual(["$\\frac{1}{2}$", "\\(x^2\\)"]);
    // The currency dollar is a dollar again, in a linear span.
    expect(t.some((x) => x.lin && x.text.includes("costs $5."))).toBe(true);
  });

  it("shows \\[…\\] as display math and bare \\boxed{} as math", () => {
    const tree = render("so \\[x = 1\\] and \\boxed{42}.");
    const math = tags(tree).filter((x) => x.math);
    expect(math.map((m) => [m.o, m.e])).toEqual([
      [3, 12],
      [17, 27],
    ]);
    expect(classesIn(tree)).toContain("katex-display");
  });

  it("marks triggers inside rendered text, as the exact view does", () => {
    const tree = render("Hmm. **Wait**, let me check. Alternatively, no.", 0, ["Wait", "Alternatively"]);
    const marks: string[] = [];
    const walk = (n: Root | Element) => {
      for (const c of n.children) {
        if (c.type !== "element") continue;
        if (c.tagName === "mark") marks.push(textOf(c));
        else walk(c);
      }
    };
    walk(tree);
    expect(marks).toEqual(["Wait", "Alternatively"]);
  });

  it("half-streamed math is text, not an error; malformed math is its source in the text colour", () => {
    for (const tail of ["so $\\frac{1", "so \\(x^", "so $$\\sum_{i"]) {
      expect(classesIn(render(tail))).not.toContain("katex-error");
    }
    const errors: Element[] = [];
    const walk = (n: Root | Element) => {
      for (const c of n.children) {
        if (c.type !== "element") continue;
        if (Array.isArray(c.properties?.className) && c.properties.className.includes("katex-error")) errors.push(c);
        walk(c);
      }
    };
    walk(render("so $x^{2$ and"));
    expect(errors).toHaveLength(1);
    expect(textOf(errors[0]!)).toBe("x^{2");
    expect(String(errors[0]!.properties?.style)).toMatch(/color:\s*inherit/);
  });

  it("every math span of the fixture traces renders without a KaTeX error", () => {
    const file = path.join(import.meta.dirname, "../../e2e/fixtures/data/r1-distill-math-40.jsonl");
    const traces = readFileSync(file, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { completion: string });
    let blocks = 0;
    let math = 0;
    const errors: string[] = [];
    const nonLinear: string[] = [];
    for (const { completion } of traces) {
      const parse = advanceBlocks(initialParse(false), completion + "\n\n");
      for (const b of parse.blocks) {
        if (b.kind !== "text") continue;
        blocks++;
        const tree = render(b.text, b.start);
        for (const tag of tags(tree)) {
          if (tag.math) math++;
          else if (tag.lin && !sameChars(completion.slice(tag.o, tag.e), tag.text)) nonLinear.push(tag.text);
        }
        const walk = (n: Root | Element) => {
          for (const c of n.children) {
            if (c.type !== "element") continue;
            if (Array.isArray(c.properties?.className) && c.properties.className.includes("katex-error")) errors.push(textOf(c).slice(0, 80));
            walk(c);
          }
        };
        walk(tree);
      }
    }
    expect(blocks).toBeGreaterThan(1000);
    expect(math).toBeGreaterThan(1000);
    expect(nonLinear).toEqual([]);
    expect(errors).toEqual([]);
  });
});
