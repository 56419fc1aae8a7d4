/**
 * The Hint-Library: the START paper's hints as data (`library.json`), validated when this module
 * loads, so a broken edit fails at start with the field that is wrong. `{testcase}` in code hints
 * is filled from the problem's sample tests when a hint is resolved for a problem.
 */
import { HintFileSchema, describeZodError, type Hint, type Problem } from "@/lib/protocol";
import libraryJson from "./library.json";

export function parseHintFile(json: unknown, origin: string): { version: string; hints: Hint[] } {
  const parsed = HintFileSchema.safeParse(json);
  if (!parsed.success) throw new Error(`invalid hint file ${origin}: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

const library = parseHintFile(libraryJson, "hints/library.json");

export const HINT_LIBRARY_VERSION = library.version;
export const BUILTIN_HINTS: readonly Hint[] = library.hints.map((h) => ({ ...h, builtIn: true }));

/**
 * Tool hints that fit a problem: same kind, and for code the template that matches its test style.
 * Budget hints (the bare "Wait") are left out: the paper policy must never draw them and the
 * picker offers hints that lead to Python; the budget policy appends its word by itself.
 */
export function hintsForProblem(hints: readonly Hint[], problem: Pick<Problem, "kind" | "starterCode" | "tests">): Hint[] {
  const style = problemTestStyle(problem);
  return hints.filter((h) => h.purpose !== "budget" && h.kinds.includes(problem.kind) && (!h.appliesTo || !style || h.appliesTo === style));
}

function problemTestStyle(problem: Pick<Problem, "kind" | "starterCode" | "tests">): "stdin" | "functional" | undefined {
  if (problem.kind !== "code") return undefined;
  if (problem.starterCode?.trim()) return "functional";
  return problem.tests?.[0]?.type ?? "stdin";
}

/** Render the problem's sample tests for the `{testcase}` slot. */
export function formatTestcases(problem: Pick<Problem, "tests">): string {
  const tests = problem.tests ?? [];
  if (tests.length === 0) return "(The problem statement gives no sample tests; I will use the examples in its text.)";
  return tests
    .map((t, i) =>
      t.type === "stdin"
        ? `Test case ${i + 1}:\nInput:\n${t.input.replace(/\n$/, "")}\nExpected output:\n${t.output.replace(/\n$/, "")}`
        : `Test case ${i + 1}:\nInput: ${t.input.replace(/\n+$/, "").replace(/\n/g, ", ")}\nExpected output: ${t.output.trim()}`,
    )
    .join("\n\n");
}

/** The text to inject for this problem. */
export function fillHint(text: string, problem: Pick<Problem, "tests">): string {
  return text.includes("{testcase}") ? text.replaceAll("{testcase}", formatTestcases(problem)) : text;
}
