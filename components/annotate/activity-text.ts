import type { ActivityItem } from "@/lib/protocol";

/**
 * What one activity item says, in words, from its detail alone (the panel never needs the
 * trace's text: entries quote what they are about). Details are read defensively: entries of
 * other writers (forks, queues) may carry fields this does not know, or lack ones it expects.
 */
export interface ActivityText {
  /** One line: "marked as unreasonable", "reviewed: accepted (was needs-work)". */
  action: string;
  /** The text the entry is about (marked text, edited original). */
  quote?: string;
  /** An edit's replacement, shown after the quote as its new text. */
  replacement?: string;
  /** A comment or review note. */
  note?: string;
  /** Where in the trace: "segment 1 · 25–45". */
  where?: string;
  /** A trace the entry points to (a fork's child or parent). */
  link?: { id: string; label: string };
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

function span(d: Record<string, unknown>): string | undefined {
  const [segment, start, end] = [num(d.segment), num(d.start), num(d.end)];
  return segment !== undefined && start !== undefined && end !== undefined ? `segment ${segment} · ${start}–${end}` : undefined;
}

const REASONS: Record<string, string> = { trigger: "a trigger", "end-of-thinking": "the end of thinking", resume: "a resume", "thinking-budget": "the thinking budget" };

export function describeActivity(item: ActivityItem): ActivityText {
  const d = item.detail;
  const where = span(d);
  const withWhere = (t: ActivityText): ActivityText => (where ? { ...t, where } : t);
  switch (item.kind) {
    case "annotation-added":
      return withWhere({ action: `marked as ${str(d.label) ?? "?"}`, quote: str(d.text), note: str(d.comment) });
    case "annotation-removed":
      return withWhere({ action: `removed the mark ${str(d.label) ?? "?"}`, quote: str(d.text), note: str(d.comment) });
    case "edit-added":
      return withWhere({ action: "edited", quote: str(d.original) ?? "", replacement: str(d.replacement) ?? "" });
    case "edit-removed":
      return withWhere({ action: "undid the edit", quote: str(d.original) ?? "", replacement: str(d.replacement) ?? "" });
    case "review-set": {
      const previous = str(d.previous);
      return { action: `reviewed: ${str(d.status) ?? "?"}${previous && previous !== d.status ? ` (was ${previous})` : ""}`, note: str(d.note) };
    }
    case "tags-set": {
      const changes = [...strings(d.added).map((t) => `+${t}`), ...strings(d.removed).map((t) => `−${t}`)];
      return { action: changes.length ? `tags ${changes.join(" ")}` : "saved the tags unchanged" };
    }
    case "forked": {
      const child = str(d.child);
      return { action: "forked this trace", ...(child ? { link: { id: child, label: "the fork" } } : {}) };
    }
    case "forked-from": {
      const parent = str(d.parent);
      const at = d.at as { segment?: unknown; offset?: unknown } | undefined;
      const point = at && num(at.segment) !== undefined ? ` at segment ${num(at.segment)} @ ${num(at.offset) ?? 0}` : "";
      return { action: `created this trace as a fork${point}${d.edit ? ", continuing from an edit" : ""}`, ...(parent ? { link: { id: parent, label: "its parent" } } : {}) };
    }
    case "queue-review":
      return { action: `reviewed in a queue: ${str(d.status) ?? "?"}`, note: str(d.note) };
    case "queue-skip":
      return { action: "skipped it in a queue", note: str(d.note) ?? str(d.reason) };
    case "adjudicated": {
      const from = typeof d.from === "string" ? [d.from] : strings(d.from);
      return { action: `adjudicated: ${str(d.status) ?? "?"}${from.length ? ` (chose ${from.join(", ")})` : ""}`, note: str(d.note) };
    }
    case "run-started": {
      const model = str(d.model);
      return { action: `run started${model ? ` (${model}, ${str(d.policy) ?? "?"} policy)` : ""}` };
    }
    case "run-finished":
      return { action: `run finished: ${str(d.reason) ?? "?"}` };
    case "hint-injected": {
      const round = num(d.round);
      const by = d.decidedBy === "user" ? "chosen by the user" : d.decidedBy === "policy" ? "chosen by the policy" : "";
      const reason = REASONS[str(d.reason) ?? ""] ?? str(d.reason) ?? "?";
      return { action: `hint ${str(d.hintId) ?? "?"} injected at ${reason}${round !== undefined ? ` (round ${round})` : ""}${by ? `, ${by}` : ""}` };
    }
    case "error":
      return { action: `run error: ${str(d.code) ?? "?"}`, note: str(d.message) };
  }
}

/** A stable React key: log entries by seq, run events by their place in the event log, the rest by what they are about. */
export function activityKey(item: ActivityItem): string {
  if (item.source === "log") return `log-${item.seq}`;
  if (item.source === "run") return `run-${String(item.detail.eventIndex)}`;
  return `trace-${item.kind}-${String(item.detail.annotationId ?? item.detail.editId ?? "")}`;
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600_000],
  ["month", 30 * 24 * 3600_000],
  ["day", 24 * 3600_000],
  ["hour", 3600_000],
  ["minute", 60_000],
];

/** "3 minutes ago", "yesterday", "just now" (under a minute); times in the future read as now (clock skew between hosts). */
export function relativeTime(at: number, now: number, locale?: string): string {
  const ago = now - at;
  const fmt = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  for (const [unit, ms] of UNITS) {
    if (ago >= ms) return fmt.format(-Math.floor(ago / ms), unit);
  }
  return "just now";
}
