import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { forkPrefix } from "@/lib/engine";
import type { Segment, Trace, TraceEvent, TraceSummary } from "@/lib/protocol";
import { branchAfter, commonChars, forkBound, prefixText, summarizeBranch, textualCommonChars } from "./compare-split";

// Real chains of thought (R1 distills on MATH) so cuts land in real text, not in made-up strings.
const FIXTURE = path.resolve(import.meta.dirname, "../../e2e/fixtures/data/r1-distill-math-40.jsonl");
const rows = readFileSync(FIXTURE, "utf8")
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l) as { id: string; prompt: string; completion: string; problem: string });
const row = rows[0]!;

let n = 0;
const seg = (kind: Segment["kind"], text: string, extra: Partial<Segment> = {}): Segment => ({ id: `s${n++}`, kind, text, ...extra });
const run = (stdout: string): TraceEvent => ({ type: "code-executed", at: 1, code: "x", stdout, stderr: "", timedOut: false, truncated: false, durationMs: 1 });

function trace(id: string, segments: Segment[], events: TraceEvent[] = [], extra: Partial<Trace> = {}): Trace {
  return {
    id,
    problem: { id: "p", kind: "math", statement: row.problem },
    config: {
      provider: "scripted",
      model: "m",
      template: "deepseek-r1",
      sampling: { maxTokens: 100 },
      triggers: ["Wait"],
      policy: { type: "greedy" },
      maxToolCalls: 6,
      toolTimeoutMs: 1000,
      maxOutputChars: 1000,
      hintLibraryVersion: "t",
      policySeed: 0,
    },
    segments,
    events,
    status: "finished",
    version: 1,
    createdAt: 0,
    updatedAt: 0,
    ...extra,
  };
}

/** A fork as the server makes it (forkPrefix), then continued with `more`. */
function fork(parent: Trace, id: string, at: { segment: number; offset: number }, more: Segment[], moreEvents: TraceEvent[] = []): Trace {
  const p = forkPrefix(parent.segments, parent.events, at);
  return trace(id, [...p.segments, ...more], [...p.events, ...moreEvents], { parentId: parent.id, forkAt: at });
}

const summary = (t: Trace): TraceSummary => ({
  id: t.id,
  problemStatement: "",
  model: "m",
  policy: "greedy",
  hintsUsed: [],
  toolCalls: 0,
  tokens: 0,
  chars: 0,
  status: "finished",
  reviewStatus: "unreviewed",
  tags: [],
  ...(t.parentId ? { parentId: t.parentId } : {}),
  ...(t.forkAt ? { forkAt: t.forkAt } : {}),
  createdAt: 0,
  updatedAt: 0,
  version: 1,
});

const wait = row.completion.indexOf("Wait");
const root = trace("root", [seg("prompt", row.prompt), seg("model", row.completion)]);

describe("compare: common point of two branches", () => {
  it("cuts inside the model segment at the fork point and shows each continuation", () => {
    expect(wait).toBeGreaterThan(100);
    const hint = seg("hint", "Wait, maybe using Python here is a good idea.\n```python\n", { hintId: "math-general", reason: "resume" });
    const child = fork(root, "child", { segment: 1, offset: wait }, [hint, seg("model", "print(1.005**12)\n```\n"), seg("tool_output", "```output\n1.0617\n```\n")], [run("1.0617")]);
    const family = [summary(root), summary(child)];
    const at = commonChars(root, child, family);
    expect(at).toBe(row.prompt.length + wait);
    expect(prefixText(root, at).endsWith(row.completion.slice(wait - 50, wait))).toBe(true);

    const left = branchAfter(root, at);
    expect(left.segments).toHaveLength(1);
    expect(left.segments[0]!.text).toBe(row.completion.slice(wait));
    expect(left.segments[0]!.id).not.toBe(root.segments[1]!.id);

    const right = branchAfter(child, at);
    expect(right.segments.map((s) => s.kind)).toEqual(["hint", "model", "tool_output"]);
    expect(summarizeBranch(child, right)).toMatchObject({ hints: ["math-general"], toolCallsAfter: 1, toolCallsTotal: 1 });
    expect(summarizeBranch(root, left)).toMatchObject({ hints: [], toolCallsAfter: 0, charsAfter: row.completion.length - wait });
  });

  it("stops at the fork point even when the continuation happens to repeat the parent's next words", () => {
    // Resumed without a hint, the model wrote the same "Wait" the parent had: the text agrees a
    // little past the cut, but the branches part at the fork point.
    // (Resumed without a hint, the engine goes on in the same model segment.)
    const child = fork(root, "child", { segment: 1, offset: wait }, []);
    const cut = child.segments[1]!;
    child.segments[1] = { ...cut, text: cut.text + "Wait, no. Something else entirely." };
    expect(textualCommonChars(root.segments, child.segments)).toBeGreaterThan(row.prompt.length + wait);
    expect(commonChars(root, child, [summary(root), summary(child)])).toBe(row.prompt.length + wait);
  });

  it("siblings with different hints part at the hint's start, not inside the shared 'Wait, '", () => {
    const at = { segment: 1, offset: wait };
    const a = fork(root, "a", at, [seg("hint", "Wait, let me check with Python.\n```python\n", { hintId: "h1" }), seg("model", "x")]);
    const b = fork(root, "b", at, [seg("hint", "Wait, maybe a table helps.\n```python\n", { hintId: "h2" }), seg("model", "y")]);
    const family = [summary(root), summary(a), summary(b)];
    const common = commonChars(a, b, family);
    expect(common).toBe(row.prompt.length + wait);
    expect(summarizeBranch(a, branchAfter(a, common)).hints).toEqual(["h1"]);
    expect(summarizeBranch(b, branchAfter(b, common)).hints).toEqual(["h2"]);
  });

  it("a fork of a fork cut earlier bounds the common part with its cousin", () => {
    const later = fork(root, "later", { segment: 1, offset: wait + 200 }, [seg("model", " A.")]);
    const earlier = fork(later, "earlier", { segment: 1, offset: 40 }, [seg("model", " B.")]);
    const family = [summary(root), summary(later), summary(earlier)];
    expect(forkBound("root", "earlier", family)).toEqual({ segment: 1, offset: 40 });
    expect(forkBound("later", "earlier", family)).toEqual({ segment: 1, offset: 40 });
    expect(commonChars(root, earlier, family)).toBe(row.prompt.length + 40);
    // Outside one family only the text decides.
    expect(forkBound("root", "nowhere", family)).toBeUndefined();
  });

  it("keeps tool outputs after the point lined up with their own runs", () => {
    const withTools = trace(
      "t",
      [seg("prompt", row.prompt), seg("model", "a"), seg("tool_output", "```output\n1\n```\n"), seg("model", "b"), seg("tool_output", "```output\n2\n```\n")],
      [run("1"), run("2")],
    );
    const cut = row.prompt.length + 1 + "```output\n1\n```\n".length;
    const branch = branchAfter(withTools, cut);
    expect(branch.segments.map((s) => s.text)).toEqual(["b", "```output\n2\n```\n"]);
    expect(branch.events.filter((e) => e.type === "code-executed").map((e) => (e.type === "code-executed" ? e.stdout : ""))).toEqual(["2"]);
  });
});
