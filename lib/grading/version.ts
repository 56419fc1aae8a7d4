/**
 * The math grader's version, stated with results so that two experiments are compared only when
 * graded alike. Bump it whenever the same (gold, response) pair can get a different verdict:
 * extraction rules, normalisation, comparison classes, tolerances, the sympy checks. Refactors,
 * speed-ups and new tests that leave every verdict unchanged do not bump it.
 *
 * - hintlab-math-1: boxed / "answer is" extraction, fast layer + sympy (issues 10 and earlier).
 * - hintlab-math-2: issue 15 — answers without a box (never from a cut or unfinished thinking),
 *   several boxes as one set, inequalities as intervals, equations by solution set, number forms
 *   (decimal commas, pct, \approx), array matrices, subscripted symbols in products.
 */
export const GRADER_VERSION = "hintlab-math-2";
