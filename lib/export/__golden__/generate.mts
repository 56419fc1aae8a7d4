// Regenerates the golden files of the export formats (run after an intended format change, then
// review the diff):
//   TSX_TSCONFIG_PATH=tsconfig.json node --import tsx lib/export/__golden__/generate.mts
// input.jsonl: traces built from the real fixtures in e2e/fixtures/data — two R1-distill traces
// and two ToRA trajectories as the importer reads them, and one Hint-infer trace spliced from a
// real R1 trace (a hint at its first "Wait", another before "</think>", each followed by code and
// its output) with annotator edits, an annotation and a review. <format>.jsonl: exportTrace of
// every input trace with default options; segments-edited.jsonl with edits applied.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { exportTrace, FORMATS, toJsonlLine, type ExportFormat, type ExportOptions } from "../index";
import { parseImportLine } from "@/lib/import";
import { HintFileSchema, TraceSchema, type Segment, type Trace } from "@/lib/protocol";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../../..");
const T0 = 1_735_689_600_000; // 2025-01-01, fixed so the files never change by themselves

const library = HintFileSchema.parse(JSON.parse(readFileSync(path.join(ROOT, "hints/library.json"), "utf8")));
const hint = (id: string) => library.hints.find((h) => h.id === id)!;
const lines = (file: string) => readFileSync(path.join(ROOT, "e2e/fixtures/data", file), "utf8").split("\n").filter(Boolean);

function imported(line: string, i: number): Trace {
  const r = parseImportLine(line, { hints: library.hints, hintLibraryVersion: library.version });
  if (!r.ok) throw new Error(r.error);
  return TraceSchema.parse({ ...r.body, review: { status: "unreviewed" }, annotations: [], edits: [], tags: [], version: 1, createdAt: T0 + i, updatedAt: T0 + i });
}

function hintInfer(line: string, i: number): Trace {
  const rec = JSON.parse(line) as { id: string; model: string; problem: string; gold_answer: string; prompt: string; completion: string };
  const c = rec.completion;
  const wait = c.indexOf("Wait");
  const think = c.indexOf("</think>");
  const general = hint("math-general");
  const reflect = hint("math-self-reflection");
  const segs: Omit<Segment, "id">[] = [
    { kind: "prompt", text: rec.prompt },
    { kind: "model", text: c.slice(0, wait) },
    { kind: "hint", text: general.text, hintId: general.id, reason: "trigger", trigger: "Wait" },
    { kind: "model", text: "r = (1 + 0.06/12)**12 - 1\nprint(round(r * 100, 2))\n```\n" },
    { kind: "tool_output", text: "```output\n6.17\n```\n" },
    { kind: "model", text: c.slice(wait, think) },
    { kind: "hint", text: reflect.text, hintId: reflect.id, reason: "end-of-thinking" },
    { kind: "model", text: "monthly = 0.06 / 12\nannual = (1 + monthly) ** 12 - 1\nprint(f\"{annual * 100:.2f}\")\n```\n" },
    { kind: "tool_output", text: "```output\n6.17\n```\n" },
    { kind: "model", text: c.slice(think) },
  ];
  const segments = segs.map((s, k) => ({ id: `seg-${k}`, ...s }));
  const first = segments[1]!.text;
  const phrase = "Hmm, let me think about how to approach this.";
  const at = first.indexOf(phrase);
  const last = segments[9]!.text;
  const boxed = last.lastIndexOf("\\boxed{6.17}");
  const edits = [
    { id: "edit-1", segment: 1, start: at, end: at + phrase.length, original: phrase, replacement: "The effective annual rate 𝑟 satisfies 1 + 𝑟 = (1 + 0.06/12)¹².", author: "annotator", createdAt: T0 + 100 },
    { id: "edit-2", segment: 9, start: boxed, end: boxed + "\\boxed{6.17}".length, original: "\\boxed{6.17}", replacement: "\\(\\boxed{6.17}\\)", author: "annotator", createdAt: T0 + 101 },
  ];
  return TraceSchema.parse({
    id: `${rec.id}/hint-infer`,
    problem: { id: "math-1591", kind: "math", statement: rec.problem, gold: rec.gold_answer, source: "MATH" },
    config: {
      provider: "openai-completions",
      model: rec.model,
      template: "raw",
      sampling: { temperature: 0.6, topP: 0.95, seed: 7, maxTokens: 16384 },
      triggers: ["Wait", "Alternatively"],
      policy: { type: "paper", rounds: 1, triggerProb: 1 },
      maxToolCalls: 6,
      toolTimeoutMs: 10000,
      maxOutputChars: 8000,
      hintLibraryVersion: library.version,
      policySeed: 7,
    },
    segments,
    events: [
      { type: "run-started", at: T0 },
      { type: "hint-injected", at: T0 + 10, hintId: general.id, reason: "trigger", offset: rec.prompt.length + wait, decidedBy: "policy" },
      { type: "code-executed", at: T0 + 20, code: "r = (1 + 0.06/12)**12 - 1\nprint(round(r * 100, 2))\n", stdout: "6.17\n", stderr: "", timedOut: false, truncated: false, durationMs: 31 },
      { type: "hint-injected", at: T0 + 30, hintId: reflect.id, reason: "end-of-thinking", offset: 0, decidedBy: "policy", round: 1 },
      { type: "code-executed", at: T0 + 40, code: "monthly = 0.06 / 12\nannual = (1 + monthly) ** 12 - 1\nprint(f\"{annual * 100:.2f}\")\n", stdout: "6.17\n", stderr: "", timedOut: false, truncated: false, durationMs: 12 },
      { type: "run-finished", at: T0 + 50, reason: "eos" },
    ],
    status: "finished",
    answer: "6.17",
    verdict: "correct",
    review: { status: "accepted", note: "hint at the first Wait made it check the rate in Python", author: "annotator", at: T0 + 200 },
    annotations: [{ id: "ann-1", segment: 5, start: 0, end: 4, label: "unreasonable", comment: "doubts a correct step", author: "annotator", createdAt: T0 + 90 }],
    edits,
    dataset: "golden",
    tags: ["golden", "hint-infer"],
    version: 5,
    createdAt: T0 + i,
    updatedAt: T0 + 300,
  });
}

const r1 = lines("r1-distill-math-40.jsonl");
const tora = lines("tora-tir-math-30.jsonl");
const pick = (list: string[], id: string) => list.find((l) => (JSON.parse(l) as { id: string }).id === id)!;
const traces = [
  imported(pick(r1, "deepseek-r1-distill-llama-8b/problem_6998/correct"), 0),
  imported(pick(r1, "deepseek-r1-distill-llama-8b/problem_2189/incorrect"), 1),
  imported(pick(tora, "math-train-1149-0"), 2),
  imported(pick(tora, "math-train-2302-0"), 3),
  hintInfer(pick(r1, "deepseek-r1-distill-llama-8b/problem_1591/correct"), 4),
];

const GOLDEN: { file: string; format: ExportFormat; opts: ExportOptions }[] = [
  ...FORMATS.map((format) => ({ file: `${format}.jsonl`, format, opts: {} })),
  { file: "segments-edited.jsonl", format: "segments", opts: { edited: true } },
];

writeFileSync(path.join(HERE, "input.jsonl"), traces.map((t) => JSON.stringify(t) + "\n").join(""));
for (const g of GOLDEN) {
  writeFileSync(path.join(HERE, g.file), traces.flatMap((t) => exportTrace(t, g.format, g.opts)).map(toJsonlLine).join(""));
  console.log(`wrote ${g.file}`);
}
