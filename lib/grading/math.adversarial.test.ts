import { describe, expect, it } from "vitest";
import { bigSets } from "./__fixtures__/pathological";
import { compareAnswers, compareMath, extractAnswerPhrase, extractFinalAnswer, gradeResponse, MAX_ANSWER_CHARS, simpleMathEqual } from "./index";

// The fast layer runs synchronously (in the browser too), so it is bounded by construction
// rather than by a deadline (see math.ts). These are the worst inputs we know of for each of
// its steps, at the largest size it accepts; before the caps, several took minutes (quadratic
// regex backtracking over runs of `$`, dots, spaces or unit words; a binomial loop of 10^11
// steps) or threw (stack overflow on deep nesting). Every call must return, and quickly.
const N = MAX_ANSWER_CHARS - 100;
// Generous: `run` makes five fast-layer passes over ~200,000 characters, each O(length x
// nesting), ~0.1-1 s on a busy 2-core machine; a quadratic step at this size takes minutes.
const PER_CALL_MS = 10_000;

function run(gold: string, pred: string): { ms: number; verdicts: unknown[] } {
  const t0 = performance.now();
  const verdicts = [compareMath(gold, pred), compareAnswers(gold, pred), simpleMathEqual(pred, gold), gradeResponse({ kind: "math", gold }, pred, pred).verdict];
  return { ms: performance.now() - t0, verdicts };
}

const rep = (s: string, n: number) => s.repeat(Math.ceil(n / s.length)).slice(0, n);

const CASES: [string, string, string][] = [
  ["a run of dollars not at the end", "5", `\\boxed{${rep("$", N)}x}`],
  ["a run of dots before a character", "5", `\\boxed{${rep(".", N)}x}`],
  ["unit-like words with no number at the end", "5", `\\boxed{${rep("m ", N)}x}`],
  ["unit words after a number", "5", `\\boxed{5 ${rep("cm ", N)}}`],
  ["a caret followed by spaces", "5", `\\boxed{5^${rep(" ", N)}x}`],
  ["unclosed \\text{ repeated", "5", `\\boxed{${rep("\\text{a", N)}}`],
  ["deep nesting (over the cap)", "5", `\\boxed{${rep("{", 20_000)}1${rep("}", 20_000)}}`],
  ["deep parentheses, unclosed", "5", `\\boxed{${rep("\\sin(", N)}}`],
  ["nesting just under the cap, long", "5", `\\boxed{${rep("(", 99)}${rep("1+", N - 300)}1${rep(")", 99)}}`],
  ["a unary chain", "5", `\\boxed{${rep("-", N)}1}`],
  ["a power tower", "5", `\\boxed{${rep("2^", N)}2}`],
  ["a factorial chain", "5", `\\boxed{3${rep("!", N)}}`],
  ["a huge binomial (the evaluator's loop)", "7", "\\boxed{\\binom{10^{12}}{10^{11}}}"],
  ["a long number", "5", `\\boxed{${rep("9", N)}}`],
  ["many commas (a huge flat list)", "5", `\\boxed{${rep("1,", N)}1}`],
  ["many fractions", "5", `\\boxed{${rep("\\frac{1}{2}", N)}}`],
  ["answer phrase, then a star run and a stray dollar", "5", `The answer is ${rep("*", N)}$ x`],
  ["answer phrase, then a space run", "5", `the answer is${rep(" ", N)}x$ y`],
  ["answer phrase repeated on one line", "5", rep("the answer is $ ", N)],
  ["an answer over the length cap", "5", `\\boxed{${rep("1+", MAX_ANSWER_CHARS + 10)}1}`],
  // The answer classes of issue 15: prose fallback, joined boxes, intervals, equations.
  ["many unclosed math openers, no box", "5", rep("\\( $ \\[ $$ ", N)],
  ["prose with many math spans", "5", rep("so $x=1$ and ", N)],
  ["many boxes joined by commas", "5", rep("\\boxed{1}, ", N)],
  ["many boxes, one unclosed first", "5", `\\boxed{${rep("\\boxed{1} ", N)}`],
  ["a long chained inequality", "5", `\\boxed{${rep("x<", N)}1}`],
  ["a long union of intervals", "(1,2)", `\\boxed{${rep("(1,2)\\cup", N - 20)}(1,3)}`],
  ["a long equation", "x = y", `\\boxed{${rep("x+", N - 10)}1=y}`],
  ["a long relation list", "x > 1", `\\boxed{${rep("x<1 \\text{ or } ", N)}x<1}`],
  ["thinking markers repeated", "5", rep("<think> $5$ </think>", N)],
];

describe("the fast layer is bounded on adversarial inputs", () => {
  it.each(CASES)("%s", (_name, gold, pred) => {
    const r = run(gold, pred);
    expect(r.ms).toBeLessThan(PER_CALL_MS);
    expect(r.verdicts[0]).not.toBe(true);
  });

  it("deep nesting and over-long answers are ungradable, not wrong and not a crash", () => {
    expect(compareAnswers("5", `${"{".repeat(5000)}5${"}".repeat(5000)}`)).toEqual({ ungradable: "too complex" });
    expect(compareAnswers("5", "1+".repeat(MAX_ANSWER_CHARS) + "4")).toEqual({ ungradable: "too complex" });
    expect(gradeResponse({ kind: "math", gold: "5" }, `\\boxed{${"(".repeat(500)}5${")".repeat(500)}}`, "").verdict).toBe("ungradable");
    // Identical text needs no comparison, however long.
    const long = "1+".repeat(MAX_ANSWER_CHARS) + "1";
    expect(compareAnswers(long, long)).toBe(true);
  });

  it("extraction from a long response stays linear", () => {
    const response = `${"Let me think. ".repeat(20_000)}\n${"the answer is ".repeat(5_000)}\nSo the answer is $42$.`;
    const t0 = performance.now();
    expect(extractFinalAnswer(response)).toBe("42");
    expect(extractAnswerPhrase(response)).toBe("42");
    expect(performance.now() - t0).toBeLessThan(PER_CALL_MS);
  });

  it("random inputs of special characters never throw or hang", () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const alphabet = ["\\frac", "\\sqrt", "{", "}", "(", ")", "[", "]", "\\{", "\\}", "^", "_", ",", " ", "$", ".", "x", "1", "2", "\\pi", "\\cup", "=", "\\le", "!", "-", "+", "\\text{", "cm", "%", "\\pm", "&", "\\\\", "\\begin{pmatrix}", "\\end{pmatrix}", "\\boxed{", "the answer is ", "\\geq", "<", "|", "\\approx", "\\(", "\\)", ";", "\\mathbb{R}", "\\infty", "<think>", "</think>", " or "];
    for (let k = 0; k < 300; k++) {
      const len = k < 290 ? 1 + rand(200) : 20_000;
      const pick = () => Array.from({ length: len }, () => alphabet[rand(alphabet.length)]).join("");
      const gold = pick();
      const pred = pick();
      const r = run(gold, pred);
      expect(r.ms, JSON.stringify([gold.slice(0, 200), pred.slice(0, 200)])).toBeLessThan(PER_CALL_MS);
    }
  });

  it("10,000-element sets compare by key and sorted value, right in both directions", () => {
    const s = bigSets();
    const t0 = performance.now();
    expect(compareMath(s.gold, s.same)).toBe(true);
    expect(compareMath(s.gold, s.differs)).toBe(false);
    expect(compareMath(s.same, s.gold)).toBe(true);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it("sets still match elements written differently, and pairwise leftovers still decide", () => {
    expect(compareMath("\\{1, \\frac{1}{2}, \\sqrt{2}\\}", "\\{\\sqrt 2, 0.5, 1\\}")).toBe(true);
    expect(compareMath("\\{1, 2, 3\\}", "\\{3, 2, 2\\}")).toBe(false);
    expect(compareMath("\\{(1,2), (3,4)\\}", "\\{(3,4), (1,2)\\}")).toBe(true);
    expect(compareMath("\\{x, 1\\}", "\\{1, x\\}")).toBe(true);
    expect(compareMath("\\{x+1, 2\\}", "\\{2, 1+x\\}")).toMatchObject({ jobs: [{ python: true }] });
  });
});
