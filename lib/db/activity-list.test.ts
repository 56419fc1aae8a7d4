import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { RUN_AUTHOR, TraceSchema, type ActivityEntry, type Trace } from "@/lib/protocol";
import { activityList } from "./activity-list";

// The Hint-infer trace of the export golden files: a real R1 trace with two policy hints, two
// tool calls, edits, a mark and a review, as an import brings them (nothing in the activity log).
const GOLDEN = readFileSync(path.resolve(import.meta.dirname, "../export/__golden__/input.jsonl"), "utf8").split("\n").filter(Boolean);
const hintInfer: Trace = TraceSchema.parse(JSON.parse(GOLDEN[4]!));
const T0 = hintInfer.createdAt;

const entry = (seq: number, at: number, kind: ActivityEntry["kind"], detail: Record<string, unknown>, author = "bob"): ActivityEntry => ({ seq, at, author, kind, detail });
const brief = (items: ReturnType<typeof activityList>) => items.map((i) => `${i.source}:${i.kind}:${i.author}`);

describe("activityList", () => {
  it("an imported trace: its run events and the marks, edits and review it holds, oldest first, each with its own author", () => {
    const items = activityList(hintInfer, []);
    expect(brief(items)).toEqual([
      `run:run-started:${RUN_AUTHOR}`,
      `run:hint-injected:${RUN_AUTHOR}`,
      `run:hint-injected:${RUN_AUTHOR}`,
      `run:run-finished:${RUN_AUTHOR}`,
      "trace:annotation-added:annotator",
      "trace:edit-added:annotator",
      "trace:edit-added:annotator",
      "trace:review-set:annotator",
    ]);
    expect(items.map((i) => i.at)).toEqual([...items.map((i) => i.at)].sort((a, b) => a - b));
    // Who decided each hint, and where it sits in the event log; code runs are not activity.
    expect(items[1]!.detail).toEqual({ hintId: "math-general", reason: "trigger", offset: 1370, decidedBy: "policy", eventIndex: 1 });
    expect(items[2]!.detail).toMatchObject({ hintId: "math-self-reflection", reason: "end-of-thinking", round: 1, eventIndex: 3 });
    expect(items[3]!.detail).toEqual({ reason: "eos", eventIndex: 5 });
    expect(items[0]!.detail).toEqual({ model: hintInfer.config.model, policy: hintInfer.config.policy.type, eventIndex: 0 });
    const mark = hintInfer.annotations![0]!;
    expect(items[4]).toMatchObject({
      at: mark.createdAt,
      detail: { annotationId: mark.id, label: "unreasonable", comment: "doubts a correct step", text: hintInfer.segments[5]!.text.slice(0, 4), segment: 5, start: 0, end: 4 },
    });
    expect(items[5]!.detail).toMatchObject({ editId: "edit-1", original: "Hmm, let me think about how to approach this.", replacement: hintInfer.edits![0]!.replacement });
    expect(items[7]).toMatchObject({ at: hintInfer.review!.at, detail: { status: "accepted", note: hintInfer.review!.note } });
  });

  it("what the log records is shown once, from the log; what it does not stays a trace entry", () => {
    const [mark] = hintInfer.annotations!;
    const log = [
      entry(1, mark!.createdAt, "annotation-added", { annotationId: mark!.id, label: mark!.label }, "annotator"),
      entry(2, hintInfer.review!.at!, "review-set", { status: "accepted" }, "annotator"),
      entry(3, T0 + 300, "annotation-removed", { annotationId: "gone", label: "repetitive" }),
      entry(4, T0 + 400, "queue-review", { status: "needs-work" }, "carol"),
    ];
    const items = activityList(hintInfer, [...log.slice(0, 3), { ...log[3]!, queueId: "q1" }]);
    expect(brief(items).filter((b) => !b.startsWith("run:"))).toEqual([
      "log:annotation-added:annotator",
      "trace:edit-added:annotator",
      "trace:edit-added:annotator",
      "log:review-set:annotator",
      "log:annotation-removed:bob",
      "log:queue-review:carol",
    ]);
    expect(items.find((i) => i.kind === "queue-review")).toMatchObject({ seq: 4, queueId: "q1" });
  });

  it("a review the log recorded with another status (then overwritten by an import or before the log) is shown from the trace too", () => {
    const items = activityList(hintInfer, [entry(1, hintInfer.review!.at!, "review-set", { status: "rejected" })]);
    expect(items.filter((i) => i.kind === "review-set").map((i) => i.source)).toEqual(["trace", "log"]);
    // An unreviewed trace with nothing said shows no review at all.
    const plain = { ...hintInfer, review: { status: "unreviewed" as const }, annotations: [], edits: [] };
    expect(activityList(plain, []).every((i) => i.source === "run")).toBe(true);
  });

  it("equal times keep run, trace, log order; a fork says which run events it inherited; errors are quoted", () => {
    const fork: Trace = {
      ...hintInfer,
      parentId: "parent",
      createdAt: T0 + 25,
      annotations: [],
      edits: [],
      review: { status: "unreviewed" },
      events: [
        ...hintInfer.events.slice(0, 2),
        { type: "run-started", at: T0 + 60 },
        { type: "error", at: T0 + 70, code: "connection-refused", message: "x".repeat(500) },
        { type: "run-finished", at: T0 + 70, reason: "failed" },
      ],
    };
    const items = activityList(fork, [entry(1, T0 + 25, "forked-from", { parent: "parent" }), entry(2, T0 + 70, "tags-set", { added: ["retry"], removed: [] })]);
    expect(brief(items)).toEqual([
      `run:run-started:${RUN_AUTHOR}`,
      `run:hint-injected:${RUN_AUTHOR}`,
      "log:forked-from:bob",
      `run:run-started:${RUN_AUTHOR}`,
      `run:error:${RUN_AUTHOR}`,
      `run:run-finished:${RUN_AUTHOR}`,
      "log:tags-set:bob",
    ]);
    expect(items.slice(0, 2).map((i) => i.detail.inherited)).toEqual([true, true]);
    expect(items[3]!.detail.inherited).toBeUndefined();
    expect(items[4]!.detail).toMatchObject({ code: "connection-refused", message: `${"x".repeat(200)}…` });
  });
});
