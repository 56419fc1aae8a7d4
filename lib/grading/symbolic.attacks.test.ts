import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { NodeSandbox } from "@/lib/sandbox/node";
import { compareMath, gradeMathPairs, isSafeParserText, SymbolicGrader } from "./index";

// One grading process serves many traces' answers (see symbolic.ts), so an answer must never
// run as code there. The payload, if executed, makes every later comparison equal
// (`import sympy; sympy.Basic.__eq__ = lambda a, b: True`, spelled with chr() to need no quotes);
// with sympy's default parser namespace (builtins included) it did.
const HAS_BUNDLE = fs.existsSync(path.resolve(import.meta.dirname, "../../public/pyodide/sympy-bundle.zip"));
const PAYLOAD = "exec(chr(105)+chr(109)+chr(112)+chr(111)+chr(114)+chr(116)+chr(32)+chr(115)+chr(121)+chr(109)+chr(112)+chr(121)+chr(59)+chr(115)+chr(121)+chr(109)+chr(112)+chr(121)+chr(46)+chr(66)+chr(97)+chr(115)+chr(105)+chr(99)+chr(46)+chr(95)+chr(95)+chr(101)+chr(113)+chr(95)+chr(95)+chr(61)+chr(108)+chr(97)+chr(109)+chr(98)+chr(100)+chr(97)+chr(32)+chr(97)+chr(44)+chr(98)+chr(58)+chr(84)+chr(114)+chr(117)+chr(101))#";

describe("answers are data to the grader", () => {
  it("the fast layer refuses parser text that could reach Python objects", () => {
    expect(compareMath("1", PAYLOAD)).toBe(false);
    for (const text of ["().__class__", "x.conjugate()", "'a'", "a[0]", "(lambda: 1)()", "x # y", "f(x); g"]) expect(isSafeParserText(text), text).toBe(false);
    for (const text of ["x**2 + 2*x + 1", "sin(x)/2", "3.5 x", "x >= 1"]) expect(isSafeParserText(text), text).toBe(true);
  });

  describe.skipIf(!HAS_BUNDLE)("in the sandbox (sympy bundle needed)", () => {
    const sandbox = new NodeSandbox({ warmSpare: false });
    afterAll(() => sandbox.dispose());
    const grader = new SymbolicGrader((code, options) => sandbox.execute(code, options), { perPairMs: 10_000 });

    it("even sent straight to sympy's parser (past the JS filter), a payload runs nothing", async () => {
      expect(await grader.check([[{ gold: "1", pred: PAYLOAD }]])).toEqual([false]);
      expect(await gradeMathPairs([{ gold: "x", pred: "y" }, { gold: "x+1", pred: "1+x" }], grader)).toEqual([{ equivalent: false }, { equivalent: true }]);
    }, 120_000);
  });
});
