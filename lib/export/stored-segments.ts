import { PauseReasonSchema, SEGMENT_KINDS, type SegmentKind } from "@/lib/protocol";
import { isTrained } from "./text";

/**
 * The `segments` array of a native record, spliced from the stored segment JSON instead of
 * parsed and written again: the export's fast path (bench/traces.mjs: parsing, validating and
 * re-stringifying the segment texts was most of its CPU time).
 *
 * `stored` are a trace's segments as stored, each written by `JSON.stringify` (the only writer,
 * TraceStore). Such a text is exactly what `JSON.stringify(SegmentSchema.parse(JSON.parse(text)))`
 * gives back when its keys are the schema's, in the schema's order, with string values and known
 * `kind`/`reason` values: a JSON.stringify output parses and re-stringifies to itself, and the
 * schema keeps present keys in its order. This checks exactly that shape (a linear scan: string
 * ends are found with indexOf), and appends `"train"` where segmentWithTrain puts it (last). Any
 * other shape (a key out of order, an unknown key, a number where a string belongs, an unknown
 * kind) returns undefined: the caller takes the parsing path, which validates, reorders or
 * throws as before.
 *
 * Returns the array's inside (no brackets), "" for no segments.
 */
export function storedSegmentsWithTrain(stored: readonly string[]): string | undefined {
  let out = "";
  for (const [n, json] of stored.entries()) {
    const copied = withTrain(json);
    if (copied === undefined) return undefined;
    out += n > 0 ? "," + copied : copied;
  }
  return out;
}

/** One stored segment with `"train"` appended, or undefined when not in the schema's shape. */
function withTrain(json: string): string | undefined {
  const shape = storedSegmentShape(json);
  if (!shape) return undefined;
  return json.slice(0, json.length - 1) + (isTrained(shape.kind) ? ',"train":true}' : ',"train":false}');
}

/**
 * A stored segment's kind and its text as written in the JSON (escaped, without its quotes),
 * when the stored text has the schema's shape (see storedSegmentsWithTrain); else undefined.
 */
export function storedSegmentShape(json: string): { kind: SegmentKind; text: string } | undefined {
  if (json.charCodeAt(0) !== OPEN) return undefined;
  // Required keys, in order: id, kind, text.
  const id = member(json, 1, "id", true);
  if (!id) return undefined;
  const kind = member(json, id.end, "kind", false);
  if (!kind) return undefined;
  const kindValue = json.slice(kind.start + 1, kind.end - 1);
  if (!KINDS.has(kindValue)) return undefined;
  const text = member(json, kind.end, "text", false);
  if (!text) return undefined;
  let at = text.end;
  // Optional keys: each at most once, in the schema's order.
  let next = 0;
  while (json.charCodeAt(at) === COMMA) {
    const key = keyAt(json, at + 1);
    if (key === undefined) return undefined;
    const k = OPTIONAL.indexOf(key, next);
    if (k < 0) return undefined;
    const m = member(json, at, key, false);
    if (!m) return undefined;
    if (key === "reason" && !REASONS.has(json.slice(m.start + 1, m.end - 1))) return undefined;
    next = k + 1;
    at = m.end;
  }
  if (at !== json.length - 1 || json.charCodeAt(at) !== CLOSE) return undefined;
  return { kind: kindValue as SegmentKind, text: json.slice(text.start + 1, text.end - 1) };
}

const COMMA = 44;
const OPEN = 123;
const CLOSE = 125;
const QUOTE = 34;
const BACKSLASH = 92;
const KINDS = new Set<string>(SEGMENT_KINDS);
const REASONS = new Set<string>(PauseReasonSchema.options);
/** SegmentSchema's optional keys in its order (the order segmentWithTrain writes them in). */
const OPTIONAL = ["hintId", "reason", "trigger", "original", "editId", "author"];

/**
 * `"name":"…"` right after the `{` or `,` at `at` (first: `{`, else `,`): the string value's
 * span (its quotes included), or undefined.
 */
function member(s: string, at: number, name: string, first: boolean): { start: number; end: number } | undefined {
  if (first ? s.charCodeAt(at - 1) !== OPEN : s.charCodeAt(at) !== COMMA) return undefined;
  const from = first ? at : at + 1;
  const prefix = `"${name}":`;
  if (!s.startsWith(prefix, from)) return undefined;
  const start = from + prefix.length;
  const end = stringEnd(s, start);
  return end < 0 ? undefined : { start, end };
}

/** The key of the member starting at `at` (its opening quote), if it is a plain key (no escapes). */
function keyAt(s: string, at: number): string | undefined {
  if (s.charCodeAt(at) !== QUOTE) return undefined;
  const q = s.indexOf('"', at + 1);
  if (q < 0 || s.charCodeAt(q + 1) !== 58 /* : */) return undefined;
  const key = s.slice(at + 1, q);
  return key.includes("\\") ? undefined : key;
}

/** Index just past the JSON string opening at `at`, or -1 (not a string, or unterminated). */
function stringEnd(s: string, at: number): number {
  if (s.charCodeAt(at) !== QUOTE) return -1;
  let i = at + 1;
  for (;;) {
    const q = s.indexOf('"', i);
    if (q < 0) return -1;
    // A quote closes the string unless an odd run of backslashes escapes it.
    let k = q - 1;
    while (s.charCodeAt(k) === BACKSLASH) k--;
    if ((q - 1 - k) % 2 === 0) return q + 1;
    i = q + 1;
  }
}
