import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeSandbox } from "@/lib/sandbox/node";
import { realResponses, type LabelledResponse } from "./__fixtures__/real-responses";
import { compareMath, extractFinalAnswer, GRADER_VERSION, gradeMathPairs, gradeResponse, runEnding, SymbolicGrader, type MathPair } from "./index";

// The answer classes of issue 15, each with near misses that must stay wrong. Cases decided by
// the fast layer are checked here directly; the labelled files under bench/data (the same
// classes, more phrasings) run through the full grader below.
const ROOT = path.resolve(import.meta.dirname, "../..");
const HAS_BUNDLE = fs.existsSync(path.join(ROOT, "public/pyodide/sympy-bundle.zip"));
const same = (gold: string, pred: string) => expect(compareMath(gold, pred), `${gold} vs ${pred}`).toBe(true);
const differ = (gold: string, pred: string) => expect(compareMath(gold, pred), `${gold} vs ${pred}`).toBe(false);

describe("answers without \\boxed{}", () => {
  it("takes the last answer phrase, else the last math expression, and ignores the next chat turn", () => {
    expect(extractFinalAnswer("We add them.\n\nAnswer: $\\frac{3}{4}$")).toBe("\\frac{3}{4}");
    expect(extractFinalAnswer("The slope of the line is $-\\frac{1}{2}$.")).toBe("-\\frac{1}{2}");
    expect(extractFinalAnswer("Solving gives \\[x = 9\\]")).toBe("x = 9");
    expect(extractFinalAnswer("Thus, the final answer is:\n\n\\[\n-\\dfrac{5}{12}\n\\]")).toBe("-\\dfrac{5}{12}");
    expect(extractFinalAnswer("The final answer is $9$. I hope it is correct.<|im_end|>\n<|im_start|>user\nAnd $x+1=3$?<|im_end|>")).toBe("9");
    expect(extractFinalAnswer("<|begin_of_thought|>$5$? no, $6$<|end_of_thought|><|begin_of_solution|>The count is $6$.<|end_of_solution|>")).toBe("6");
    // A closing sentence in plain text gives its number; a word answer stays a word.
    expect(extractFinalAnswer("She had $3 + 4$ apples and ate two.\n\nSo she has 5 apples left.")).toBe("5");
    expect(extractFinalAnswer("So she has 5 apples left.")).toBe("5");
    expect(extractFinalAnswer("The probability is therefore 1/2.")).toBe("1/2");
    expect(extractFinalAnswer("Tuesday")).toBe("Tuesday");
    same("12", "Multiplying, the area is\n$$3 \\cdot 4 = 12$$");
    differ("12", "Multiplying, the area is\n$$3 \\cdot 4 = 13$$");
  });

  it("a response that never finished its answer has none, whatever it last mentioned", () => {
    // Thinking opened and never closed (Sky-T1 and R1 markers).
    expect(extractFinalAnswer("<think>If $x = 42$ then the sum is $43$. Wait")).toBeUndefined();
    expect(extractFinalAnswer("<|begin_of_thought|>So the count is $6$. But wait, the case $a = 6$")).toBeUndefined();
    expect(extractFinalAnswer("<think>So it is \\boxed{10}? Let me check the second condition")).toBeUndefined();
    // An answer part cut mid-expression.
    expect(extractFinalAnswer("<think>2^6 = 64.</think>\n\nWe compute $2^6 =")).toBeUndefined();
    // Cut at the token limit: only an explicit answer counts, never the last expression.
    expect(extractFinalAnswer("First $6$ ways for the first slot. Then $6$ for the second.", { truncated: true })).toBeUndefined();
    expect(extractFinalAnswer("So the answer is $5$. Let me also check $n=6$, which", { truncated: true })).toBe("5");
    // No flag and no markers, but cut mid-sentence in a thinking trace (R1 prompts end in `<think>`).
    expect(extractFinalAnswer("Okay, the area is $12$. Hmm, wait, is it right? Let me verify: $3^2+4^2=5^2$. Wait, the angle between")).toBeUndefined();
    // The engine's view of the same: cut inside the thinking is incorrect, not graded from prose.
    const events = [{ type: "run-finished", reason: "length" }];
    expect(gradeResponse({ kind: "math", gold: "12" }, "the area is $12$. Hmm", "the area is $12$. Hmm", runEnding({ events, thinkingClosed: false })).verdict).toBe("incorrect");
    expect(gradeResponse({ kind: "math", gold: "12" }, "\n\nThe area is $12$.", "<think>…</think>\n\nThe area is $12$.", runEnding({ events: [], thinkingClosed: true })).verdict).toBe("correct");
  });
});

describe("several boxed answers and \\pm", () => {
  it("joins boxes separated only by connectors into one set, not boxes far apart", () => {
    expect(extractFinalAnswer("The roots are $\\boxed{1}, \\boxed{2}$.")).toBe("1, 2");
    expect(extractFinalAnswer("$\\boxed{(2,2)} \\quad\\text{and}\\quad \\boxed{(6,2)}$")).toBe("(2,2), (6,2)");
    expect(extractFinalAnswer("$x = \\boxed{4}$ or $x = \\boxed{-4}$")).toBe("4, -4");
    expect(extractFinalAnswer("First guess \\boxed{3}. Checking the second case, that fails, so redo it: \\boxed{5}.")).toBe("5");
    same("1, 2", "The roots are $\\boxed{2}$ and $\\boxed{1}$.");
    differ("1, 3", "The roots are $\\boxed{1}$ and $\\boxed{2}$.");
    same("\\{-3, 3\\}", "So $x = \\boxed{\\pm 3}$.");
    differ("3", "\\boxed{\\pm 3}");
  });
});

describe("sets and tuples", () => {
  it("sets in any order and brackets, tuples in order, as the gold intends; `;` and `or` lists", () => {
    same("\\{1,3\\}", "\\boxed{(3,1)}");
    differ("(1,3)", "\\boxed{(3,1)}");
    differ("(1,3)", "\\boxed{\\{1,3\\}}");
    same("(1, 2, 3)", "\\boxed{1, 2, 3}");
    differ("(1, 2, 3)", "\\boxed{3, 2, 1}");
    same("2, 5, 7", "\\boxed{7; 2; 5}");
    same("(2, 5, 7)", "\\boxed{(2; 5; 7)}");
    same("1, 3", "\\boxed{x = 1 \\text{ or } x = 3}");
    differ("1, 3", "\\boxed{1 \\text{ or } 4}");
    same("(3, -1)", "\\boxed{(x, y) = (3, -1)}");
    // An interval or a matrix is no list of answers.
    differ("(1, 4]", "\\boxed{1 \\text{ or } 4}");
    differ("0, 1", "\\boxed{a \\in (0, 1)}");
    differ("1, 2, 3", "\\boxed{\\begin{pmatrix}1\\\\2\\\\3\\end{pmatrix}}");
  });
});

describe("inequalities and intervals", () => {
  it("compares them as sets of reals", () => {
    for (const p of ["5 \\leq x", "x >= 5", "[5, \\infty)", "x \\ge 5"]) same("x \\geq 5", `\\boxed{${p}}`);
    for (const p of ["x > 5", "(5, \\infty)", "x \\leq 5"]) differ("x \\geq 5", `\\boxed{${p}}`);
    same("x < 1", "\\boxed{-x > -1}");
    differ("x < 1", "\\boxed{-x < -1}");
    same("x \\lt 3", "x < 3");
    same("x \\neq 2", "\\boxed{x != 2}");
    same("x \\neq 2", "\\boxed{(-\\infty,2)\\cup(2,\\infty)}");
    same("(0,1)", "\\boxed{0 < f(x) < 1}");
    differ("(0,1)", "\\boxed{0 \\le f(x) < 1}");
    same("[-2, 3)", "\\boxed{-2 \\leq x < 3}");
    same("[-\\frac{3}{2},-1]\\cup[1,\\frac{3}{2}]", "\\boxed{1 \\leq |z| \\leq \\frac{3}{2}}");
    differ("[-\\frac{3}{2},-1]\\cup[1,\\frac{3}{2}]", "\\boxed{1 \\leq |z| \\leq 2}");
    same("(-\\infty, -2) \\cup (3, \\infty)", "\\boxed{x < -2 \\text{ or } x > 3}");
    same("(1, 4]", "\\boxed{(1,2] \\cup (2,4]}");
    differ("(1, 4]", "\\boxed{(1,2) \\cup (2,4]}");
    same("2x + 1 > 5", "\\boxed{x > 2}");
    same("(-\\infty, \\infty)", "\\boxed{x \\in \\mathbb{R}}");
    same("x > 0", "\\boxed{x \\in \\mathbb{R}^+}");
    differ("x \\geq 0", "\\boxed{x \\in \\mathbb{R}^+}");
    same("[0, 1) \\cup (1, 2]", "\\boxed{[0,2] \\setminus \\{1\\}}");
    same("x \\neq 1", "\\mathbb{R} \\setminus \\{1\\}");
    differ("[0, 2]", "[0,2] \\setminus \\{1\\}");
    // The point between two open intervals is in the complement: R minus (0,1)∪(1,2) keeps 1.
    same("(-\\infty, 0] \\cup \\{1\\} \\cup [2, \\infty)", "\\mathbb{R} \\setminus ((0,1) \\cup (1,2))");
    // Two tuples stay tuples: `(1,2]` is not `(1,2)`, and (2, 5) against (2, 5) is equal.
    differ("(1,2]", "(1,2)");
    same("(2, 5)", "(2, 5)");
  });
});

describe("equations", () => {
  it("same solution set, last side of a chain, a value against `p = 5`", () => {
    same("2x+4y-3=0", "\\boxed{y=-\\frac{1}{2}x+\\frac{3}{4}}");
    differ("2x+4y-3=0", "\\boxed{y=-\\frac{1}{2}x+\\frac{1}{4}}");
    same("\\frac{x^2}{4}+\\frac{y^2}{3}=1", "\\boxed{\\frac{x^2}{16}+\\frac{y^2}{12}=\\frac{1}{4}}");
    differ("\\frac{x^2}{4}+\\frac{y^2}{3}=1", "\\boxed{\\frac{x^2}{3}+\\frac{y^2}{4}=1}");
    same("(x-1)^2 + (y+2)^2 = 9", "\\boxed{x^2 - 2x + y^2 + 4y - 4 = 0}");
    same("2", "\\boxed{z = 1+1 = 2}");
    differ("3", "\\boxed{z = 1+1 = 2}");
    same("5", "\\boxed{p = 5}");
    same("p = 5", "\\boxed{5}");
    differ("y = 3", "\\boxed{x = 3}");
    // A line is not its constant term: only a value or a name on the left makes a computation.
    differ("4", "\\boxed{x + y = 4}");
    differ("x - 2y = 4", "\\boxed{4}");
    differ("144", "\\boxed{16x^2 - 9y^2 = 144}");
    same("204", "$180 + 24 = 204$");
    same("\\sqrt{3}", "Hence $|z| = \\sqrt{3}$, which completes the proof.");
    same("-\\frac{3}{5}", "Therefore, $\\cos\\theta=-\\dfrac35$.");
    same("7", "\\boxed{a + b = 3 + 4 = 7}");
  });
});

describe("number forms", () => {
  it("separators, decimal commas, percent words, \\mathrm{e}, approximations", () => {
    same("12000023", "\\boxed{12,000,023}");
    same("11111", "\\boxed{11,\\!111}");
    differ("11111", "\\boxed{11,\\!112}");
    same("1000.99", "\\boxed{1000,99}");
    differ("1.5", "\\boxed{1,5}");
    same("(1,234)", "\\boxed{(1,234)}");
    for (const p of ["28 pct", "28 percentage", "28 percent"]) same("28\\%", `\\boxed{${p}}`);
    differ("28\\%", "\\boxed{29 pct}");
    same("e^{2}", "\\boxed{\\mathrm{e}^{2}}");
    differ("e^{2}", "\\boxed{\\mathrm{e}^{3}}");
    same("11", "\\boxed{x \\approx 11}");
    differ("11", "\\boxed{x \\approx 12}");
    // Unicode written outside LaTeX.
    same("-3", "\\boxed{−3}");
    same("[1, \\infty)", "x ≥ 1");
    same("2\\pi", "2π");
    same("2\\sqrt{3}", "√12");
  });
});

describe("matrices", () => {
  it("pmatrix, bmatrix and array forms, also from prose", () => {
    const gold = "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}";
    same(gold, "\\boxed{\\begin{bmatrix}1&2\\\\3&4\\end{bmatrix}}");
    same(gold, "\\boxed{\\left(\\begin{array}{cc}1&2\\\\3&4\\end{array}\\right)}");
    differ(gold, "\\boxed{\\left[\\begin{array}{cc}1&2\\\\3&5\\end{array}\\right]}");
    same(gold, "Multiplying out, we get\n$$\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}$$\nAs required.");
    differ(gold, "\\boxed{\\begin{bmatrix}1&2\\\\3&4\\\\5&6\\end{bmatrix}}");
  });
});

describe("order-insensitive products and sums (symbolic)", () => {
  it("compound subscripts are one symbol each, so the CAS sees F_k F_{n-k-1} = F_{n-k-1} F_k", () => {
    const v = compareMath("F_k F_{n-k-1}", "\\boxed{F_{n-k-1} F_k}");
    expect(v).toMatchObject({ jobs: [{ python: true }] });
    expect(typeof v === "object" && "jobs" in v && v.jobs[0]!.gold).toContain("F_nmkm1");
    // Written without a space, `F_{n+1}F_n` is still two symbols.
    expect(compareMath("2 F_{n} F_{n+1}", "\\boxed{2F_{n+1}F_n}")).toMatchObject({ jobs: [{ pred: expect.stringContaining("_s('F_n')") }] });
  });
});

it("states its version", () => {
  expect(GRADER_VERSION).toMatch(/^hintlab-math-\d+$/);
});

describe.skipIf(!HAS_BUNDLE)("the full grader on labelled cases (sympy bundle needed)", () => {
  let sandbox: NodeSandbox;
  let grader: SymbolicGrader;
  beforeAll(async () => {
    sandbox = new NodeSandbox();
    grader = new SymbolicGrader((code, options) => sandbox.execute(code, options));
    await sandbox.ready;
  }, 90_000);
  afterAll(async () => {
    await grader?.dispose();
    await sandbox?.dispose();
  });
  const grade = async (rows: LabelledResponse[]) =>
    (await gradeMathPairs(rows.map((r): MathPair => ({ gold: r.gold, pred: r.response, ...(r.truncated ? { truncated: true } : {}) })), grader)).map((g) => g.equivalent);

  it("agrees with bench/data/grading-cases*.jsonl in every class", async () => {
    const dir = path.join(ROOT, "bench/data");
    const rows = fs
      .readdirSync(dir)
      .filter((f) => /^grading-cases.*\.jsonl$/.test(f))
      .flatMap((f) => fs.readFileSync(path.join(dir, f), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as LabelledResponse));
    expect(rows.length).toBeGreaterThanOrEqual(150);
    const verdicts = await grade(rows);
    const classes = [...new Set(rows.map((r) => r.class))];
    for (const c of classes) {
      const mine = rows.flatMap((r, k) => (r.class === c ? [verdicts[k] === r.expected] : []));
      expect(mine.filter(Boolean).length / mine.length, c).toBeGreaterThanOrEqual(0.95);
    }
    // No class may buy agreement with a false "correct".
    const falseCorrect = rows.filter((r, k) => verdicts[k] && !r.expected);
    expect(falseCorrect.map((r) => `${r.class}: ${r.gold} / ${r.response}`)).toEqual([]);
  }, 120_000);

  it("agrees with the labels of real responses; traces cut in their thinking are wrong (one known miss)", async () => {
    const rows = realResponses(ROOT);
    expect(rows.length).toBeGreaterThanOrEqual(100);
    const verdicts = await grade(rows);
    const right = rows.filter((r, k) => verdicts[k] === r.expected).length;
    expect(right / rows.length).toBeGreaterThanOrEqual(0.98);
    const cutButCorrect = rows.filter((r, k) => r.class.startsWith("r1 cut") && verdicts[k]);
    // One known miss: a cut right after a one-word line ("…parentheses:\n\nLayer") reads as finished.
    expect(cutButCorrect.length).toBeLessThanOrEqual(1);
  }, 120_000);
});
