import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { TraceSchema, type ActivityItem } from "@/lib/protocol";
import { activityList } from "@/lib/db/activity-list";
import { activityKey, describeActivity, relativeTime } from "./activity-text";

// The words of the panel for the items the server derives from the golden Hint-infer trace.
const golden = TraceSchema.parse(JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../../lib/export/__golden__/input.jsonl"), "utf8").split("\n")[4]!));
const item = (kind: ActivityItem["kind"], detail: Record<string, unknown>, source: ActivityItem["source"] = "log"): ActivityItem => ({ source, at: 0, author: "ann", kind, seq: 1, detail });

describe("describeActivity", () => {
  it("says what each derived item of a real trace is about", () => {
    const items = activityList(golden, []);
    expect(items.map((i) => describeActivity(i).action)).toEqual([
      `run started (${golden.config.model}, ${golden.config.policy.type} policy)`,
      "hint math-general injected at a trigger, chosen by the policy",
      "hint math-self-reflection injected at the end of thinking (round 1), chosen by the policy",
      "run finished: eos",
      "marked as unreasonable",
      "edited",
      "edited",
      "reviewed: accepted",
    ]);
    expect(describeActivity(items[4]!)).toMatchObject({ quote: golden.segments[5]!.text.slice(0, 4), note: "doubts a correct step", where: "segment 5 · 0–4" });
    expect(describeActivity(items[5]!)).toMatchObject({ quote: golden.edits![0]!.original, replacement: golden.edits![0]!.replacement });
    expect(new Set(items.map(activityKey)).size).toBe(items.length);
  });

  it("review changes, tag changes, forks, queues and errors; missing fields never throw", () => {
    expect(describeActivity(item("review-set", { status: "accepted", previous: "needs-work", note: "ok now" }))).toEqual({ action: "reviewed: accepted (was needs-work)", note: "ok now" });
    expect(describeActivity(item("tags-set", { added: ["gold"], removed: ["r1"] })).action).toBe("tags +gold −r1");
    expect(describeActivity(item("tags-set", { added: [], removed: [] })).action).toBe("saved the tags unchanged");
    expect(describeActivity(item("forked-from", { parent: "p-1", at: { segment: 3, offset: 12 } }))).toEqual({ action: "created this trace as a fork at segment 3 @ 12", link: { id: "p-1", label: "its parent" } });
    expect(describeActivity(item("adjudicated", { status: "accepted", from: ["anna", "bob"] })).action).toBe("adjudicated: accepted (chose anna, bob)");
    expect(describeActivity(item("hint-injected", { hintId: "h", reason: "trigger", decidedBy: "user" }, "run")).action).toBe("hint h injected at a trigger, chosen by the user");
    expect(describeActivity(item("error", { code: "timeout", message: "the model server did not answer" }, "run"))).toEqual({ action: "run error: timeout", note: "the model server did not answer" });
    for (const kind of ["annotation-added", "edit-removed", "forked", "queue-review", "queue-skip", "run-started"] as const) {
      expect(describeActivity(item(kind, {})).action).toMatch(/\S/);
    }
  });
});

describe("relativeTime", () => {
  const now = Date.UTC(2026, 11, 2, 12);
  it("counts back in the largest whole unit; under a minute and the future are now", () => {
    expect(relativeTime(now - 30_000, now, "en")).toBe("just now");
    expect(relativeTime(now + 5_000, now, "en")).toBe("just now");
    expect(relativeTime(now - 3 * 60_000, now, "en")).toBe("3 minutes ago");
    expect(relativeTime(now - 26 * 3600_000, now, "en")).toBe("yesterday");
    expect(relativeTime(now - 400 * 24 * 3600_000, now, "en")).toBe("last year");
  });
});
