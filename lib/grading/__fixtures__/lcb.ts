// Shared by the code-grading tests: the LiveCodeBench fixture problems (from ../shared, absent
// outside the workspace: the suites skip then), their solutions here, and one NodeSandbox per file.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { NodeSandbox } from "@/lib/sandbox/node";
import type { CodeTest, ExecuteFn } from "../index";

const HERE = import.meta.dirname;
const LCB = path.resolve(HERE, "../../../../shared/fixtures/datasets/livecodebench-sample-24.jsonl");

export interface LcbProblem {
  starter_code: string;
  tests: { input: string; output: string; testtype: "stdin" | "functional" }[];
}

export const problems: LcbProblem[] = fs.existsSync(LCB)
  ? fs.readFileSync(LCB, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as LcbProblem)
  : [];
export const testsOf = (p: LcbProblem): CodeTest[] => p.tests.map((t) => ({ input: t.input, output: t.output, type: t.testtype }));
export const solution = (name: string) => fs.readFileSync(path.resolve(HERE, "lcb", name), "utf8");

/** A NodeSandbox for the calling test file (booted before its tests, disposed after). */
export function useNodeSandbox(): { execute: ExecuteFn; reset: () => Promise<void> } {
  let sandbox: NodeSandbox | undefined;
  beforeAll(async () => {
    sandbox = new NodeSandbox();
    await sandbox.ready;
  }, 90_000);
  afterAll(async () => {
    await sandbox?.dispose();
  });
  return { execute: (code, options) => sandbox!.execute(code, options), reset: () => sandbox!.reset() };
}
