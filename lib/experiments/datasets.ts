import { createHash } from "node:crypto";
import { parseJsonWithNumberText, type DatasetLineError, type JsonWithNumberText, type Problem, type ProblemTest } from "@/lib/protocol";
import { decodeLine, readLines, type LineLimits } from "@/lib/import";

/**
 * Problem sets as JSONL, in the shapes the benchmarks ship in:
 * - math (MATH, AIME, AMC, the r1 trace fixtures): statement in `problem` | `question` | `prompt`,
 *   gold in `answer` | `gold` | `gt` | `gold_answer` | `expected_answer` (a number becomes the text
 *   it was written as: `12345678901234567891` stays that, not the nearest double);
 * - code (LiveCodeBench): `problem` | `question_content`, `starter_code`, and `tests` (or
 *   `public_test_cases`) as an array or a JSON string of `{input, output, testtype}`.
 * Every unusable line is reported with its number and why; blank lines are not lines of data.
 */
export interface ParsedDataset {
  problems: Problem[];
  errors: DatasetLineError[];
  contentHash: string;
}

const STATEMENT_KEYS = ["problem", "question", "question_content", "prompt"] as const;
const GOLD_KEYS = ["answer", "gold", "gt", "gold_answer", "expected_answer"] as const;
const TEST_KEYS = ["tests", "public_test_cases", "test_cases"] as const;

export function parseDatasetJsonl(text: string, source?: string): ParsedDataset {
  const acc = new DatasetAccumulator(source);
  text.split("\n").forEach((raw, i) => acc.line(i + 1, raw.replace(/\r$/, "")));
  return acc.result(createHash("sha256").update(text));
}

/**
 * The same from a byte stream (an upload, a file), holding one line at a time besides the
 * problems: past `limits.maxBytes` it throws AppError payload-too-large, a line over
 * `limits.maxLineBytes` is reported and skipped. The hash is of the bytes, as for the text.
 */
export async function parseDatasetStream(input: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, limits: LineLimits, source?: string): Promise<ParsedDataset> {
  const acc = new DatasetAccumulator(source);
  const hash = createHash("sha256");
  async function* hashed() {
    for await (const chunk of input) {
      hash.update(chunk);
      yield chunk;
    }
  }
  for await (const raw of readLines(hashed(), limits)) {
    if (raw.error !== undefined) {
      acc.fail(raw.line, raw.error);
      continue;
    }
    const decoded = decodeLine(raw.bytes);
    if ("error" in decoded) acc.fail(raw.line, decoded.error);
    else acc.line(raw.line, decoded.text);
  }
  return acc.result(hash);
}

class DatasetAccumulator {
  private readonly problems: Problem[] = [];
  private readonly errors: DatasetLineError[] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly source?: string) {}

  fail(line: number, reason: string) {
    this.errors.push({ line, reason });
  }

  line(line: number, raw: string) {
    if (!raw.trim()) return;
    let json: JsonWithNumberText;
    try {
      json = parseJsonWithNumberText(raw);
    } catch (e) {
      return this.fail(line, `not valid JSON: ${(e as Error).message}`);
    }
    const parsed = parseRecord(json.value, line, this.source, json.numberText);
    if ("reason" in parsed) return this.fail(line, parsed.reason);
    if (this.seen.has(parsed.id)) return this.fail(line, `duplicate problem id "${parsed.id}" (ids must be unique in a dataset)`);
    this.seen.add(parsed.id);
    this.problems.push(parsed);
  }

  result(hash: ReturnType<typeof createHash>): ParsedDataset {
    return { problems: this.problems, errors: this.errors, contentHash: hash.digest("hex").slice(0, 16) };
  }
}

type NumberText = JsonWithNumberText["numberText"];
const printed: NumberText = (holder, key) => {
  const v = (holder as Record<string, unknown>)[key];
  return typeof v === "number" && Number.isFinite(v) ? String(v) : undefined;
};

/** A string field, or a number field as the text it was written as. */
function str(r: Record<string, unknown>, key: string, numberText: NumberText): string | undefined {
  const v = r[key];
  if (typeof v === "string") return v.trim() ? v : undefined;
  if (typeof v === "number") return numberText(r, key);
  return undefined;
}

/** One record to a Problem, or the reason it cannot be one. */
export function parseRecord(json: unknown, line: number, source?: string, numberText: NumberText = printed): Problem | { reason: string } {
  if (typeof json !== "object" || json === null || Array.isArray(json)) return { reason: "not a JSON object" };
  const r = json as Record<string, unknown>;
  const statementKey = STATEMENT_KEYS.find((k) => str(r, k, numberText) !== undefined);
  if (!statementKey) return { reason: `no problem statement (expected one of ${STATEMENT_KEYS.join(", ")})` };
  const statement = str(r, statementKey, numberText)!;
  const id = str(r, "id", numberText) ?? str(r, "question_id", numberText) ?? str(r, "unique_id", numberText) ?? `line-${line}`;
  const testKey = TEST_KEYS.find((k) => r[k] !== undefined);
  const isCode = testKey !== undefined || r.starter_code !== undefined || r.question_content !== undefined;
  // Plain literals, not spreads: a problem set of 400k short lines is held whole until it is
  // stored, and a spread-built object took ~350 bytes where this one takes ~130.
  const withSource = <P extends Problem>(p: P): P => {
    if (source) p.source = source;
    return p;
  };
  if (isCode) {
    const tests = testKey ? parseTests(r[testKey]) : [];
    if ("reason" in tests) return tests;
    const starter = typeof r.starter_code === "string" && r.starter_code.trim() ? r.starter_code : undefined;
    if (tests.length === 0) return { reason: "code problem without tests (expected tests or public_test_cases)" };
    const problem: Problem = withSource({ id, statement, kind: "code", tests });
    if (starter) problem.starterCode = starter;
    return problem;
  }
  const goldKey = GOLD_KEYS.find((k) => r[k] !== undefined && r[k] !== null);
  if (!goldKey) return { reason: `no gold answer (expected one of ${GOLD_KEYS.join(", ")})` };
  const gold = str(r, goldKey, numberText);
  if (gold === undefined) return { reason: `"${goldKey}" must be a non-empty string or a number` };
  return withSource({ id, statement, kind: "math", gold });
}

function parseTests(value: unknown): ProblemTest[] | { reason: string } {
  let v = value;
  if (typeof v === "string") {
    try {
      v = JSON.parse(v);
    } catch {
      return { reason: "tests is a string but not JSON" };
    }
  }
  if (!Array.isArray(v)) return { reason: "tests must be an array (or a JSON string of one)" };
  const tests: ProblemTest[] = [];
  for (const [i, t] of v.entries()) {
    if (typeof t !== "object" || t === null) return { reason: `test ${i + 1} is not an object` };
    const o = t as Record<string, unknown>;
    const input = o.input;
    const output = o.output ?? o.expected_output;
    if (typeof input !== "string" || typeof output !== "string") return { reason: `test ${i + 1} needs string input and output` };
    const type = o.testtype ?? o.type ?? "stdin";
    if (type !== "stdin" && type !== "functional") return { reason: `test ${i + 1}: testtype must be stdin or functional (got ${JSON.stringify(type)})` };
    tests.push({ input, output, type });
  }
  return tests;
}

/**
 * A dataset JSONL from recorded traces (`e2e/fixtures/data/r1-distill-math-40.jsonl` shape: one
 * line per model × problem × correct/incorrect): one line per distinct problem, with its gold
 * answer, in first-seen order. The scripted server only knows these problems.
 */
export function datasetFromTraceRecords(text: string, limit = Infinity): string {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const raw of text.split("\n")) {
    if (!raw.trim() || out.length >= limit) continue;
    const r = JSON.parse(raw) as { id: string; problem: string; gold_answer: string };
    const id = /problem_\d+/.exec(r.id)?.[0] ?? r.id;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(JSON.stringify({ id, problem: r.problem, answer: r.gold_answer }));
  }
  return out.join("\n") + "\n";
}
