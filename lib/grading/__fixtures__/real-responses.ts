/**
 * Labelled real responses, built from the fixtures (../shared/fixtures, else e2e/fixtures/data):
 * shared by bench/grading-agreement.mjs and answer-classes.test.ts. Derived cases keep the source's
 * label where the change keeps the answer (a final box unwrapped) and are wrong where the trace
 * is cut inside its thinking (a runaway trace never stated an answer).
 */
import fs from "node:fs";
import path from "node:path";

export interface LabelledResponse {
  class: string;
  gold: string;
  response: string;
  expected: boolean;
  truncated?: boolean;
  id: string;
}

const readJsonl = <T>(file: string): T[] =>
  fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as T);

function fixture(root: string, dir: string, name: string): string | undefined {
  for (const f of [path.join(root, "../shared/fixtures", dir, name), path.join(root, "e2e/fixtures/data", name)]) if (fs.existsSync(f)) return f;
  return undefined;
}

/** `\boxed{X}` → `X` in the answer part (after `</think>`): the same answer, stated without a box. */
function unbox(text: string): string {
  const cut = text.lastIndexOf("</think>");
  const head = cut === -1 ? "" : text.slice(0, cut + 8);
  let tail = cut === -1 ? text : text.slice(cut + 8);
  for (let guard = 0; guard < 20; guard++) {
    const m = /\\boxed\s*\{/.exec(tail);
    if (!m) break;
    let depth = 1;
    let i = m.index + m[0].length;
    for (; i < tail.length && depth > 0; i++) {
      if (tail[i] === "{") depth++;
      else if (tail[i] === "}") depth--;
    }
    tail = tail.slice(0, m.index) + tail.slice(m.index + m[0].length, i - 1) + tail.slice(i);
  }
  return head + tail;
}

/** Where the token limit cut a thinking trace: a fraction of its thinking, moved to a word boundary. */
function cutThinking(text: string, fraction: number): string {
  const end = text.indexOf("</think>");
  const thinking = end === -1 ? text : text.slice(0, end);
  const at = Math.floor(thinking.length * fraction);
  const space = thinking.indexOf(" ", at);
  return thinking.slice(0, space === -1 ? at : space);
}

export function realResponses(root: string): LabelledResponse[] {
  const out: LabelledResponse[] = [];
  const r1 = fixture(root, "traces", "r1-distill-math-40.jsonl");
  if (r1) {
    const traces = readJsonl<{ id: string; completion: string; gold_answer: string; is_correct: boolean }>(r1);
    traces.forEach((t, k) => {
      out.push({ class: "r1 as generated", gold: t.gold_answer, response: t.completion, expected: t.is_correct, id: `r1-${k}` });
      out.push({ class: "r1 final box unwrapped", gold: t.gold_answer, response: unbox(t.completion), expected: t.is_correct, id: `r1-unboxed-${k}` });
      for (const f of [0.25, 0.5, 0.75, 0.95]) {
        out.push({ class: "r1 cut in thinking", gold: t.gold_answer, response: cutThinking(t.completion, f), expected: false, id: `r1-cut${f}-${k}` });
      }
      out.push({ class: "r1 cut in thinking (finish reason known)", gold: t.gold_answer, response: cutThinking(t.completion, 0.9), expected: false, truncated: true, id: `r1-cut-flag-${k}` });
      // The same trace with its `<think>` opener in the response (templates that do not prefill it).
      out.push({ class: "r1 cut in thinking", gold: t.gold_answer, response: `<think>\n${cutThinking(t.completion, 0.6)}`, expected: false, id: `r1-cut-open-${k}` });
    });
  }
  const tora = fixture(root, "traces", "tora-tir-math-30.jsonl");
  if (tora) {
    // Labels reviewed by hand: every trajectory ends in a boxed answer equal to its gold, except
    // the one that boxes two polynomials for one asked (k = 11).
    const rows = readJsonl<{ gt: string; messages: { role: string; content: string }[] }>(tora);
    rows.forEach((r, k) => {
      const response = r.messages.filter((m) => m.role === "assistant").map((m) => m.content).join("\n");
      out.push({ class: "tora", gold: r.gt, response, expected: k !== 11, id: `tora-${k}` });
    });
  }
  const aime = fixture(root, "datasets", "aime24.jsonl");
  if (aime) {
    const rows = readJsonl<{ answer: string | number; solution: string }>(aime);
    rows.forEach((r, k) => {
      out.push({ class: "aime solutions", gold: String(r.answer), response: r.solution, expected: true, id: `aime-${k}` });
      out.push({ class: "aime solutions", gold: String(rows[(k + 1) % rows.length]!.answer), response: r.solution, expected: false, id: `aime-shifted-${k}` });
    });
  }
  const amc = fixture(root, "datasets", "amc23.jsonl");
  if (amc) {
    const rows = readJsonl<{ answer: number }>(amc);
    rows.forEach((r, k) => out.push({ class: "amc", gold: r.answer.toFixed(1), response: `The answer is $\\boxed{${r.answer}}$.`, expected: true, id: `amc-${k}` }));
  }
  return out;
}
