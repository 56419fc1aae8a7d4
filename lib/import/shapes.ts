import {
  CreateTraceBodySchema,
  ProblemKindSchema,
  VerdictSchema,
  describeZodError,
  type CreateTraceBody,
  type Policy,
  type Problem,
  type Segment,
  type TemplateId,
  type TraceConfig,
  type TraceEvent,
} from "@/lib/protocol";
import { reconstruct, type HintText, type Piece, type ToolRun } from "./reconstruct";

export const SHAPES = ["segments", "prompt-completion", "messages", "conversations"] as const;
export type Shape = (typeof SHAPES)[number];

export interface ParseContext {
  /** Hints to recognise in model text (built-ins and the user's). */
  hints: readonly HintText[];
  hintLibraryVersion: string;
  /** Overrides the dataset of every imported trace. */
  dataset?: string;
  /** The line as read, for a stable id when the record has none. */
  rawLine: string;
  /** How a number field was written (parseJsonWithNumberText); default: as JS prints it. */
  numberText?: (holder: unknown, key: string) => string | undefined;
}

/** Why one line was not imported; the message is shown to the user as is. */
export class LineError extends Error {}

const COMPLETION_FIELDS = ["completion", "response", "output", "solution", "generation"];
const STATEMENT_FIELDS = ["problem", "question", "instruction", "query"];
const GOLD_FIELDS = ["gold_answer", "gold", "gt", "ground_truth", "reference_answer", "answer"];
const ANSWER_FIELDS = ["extracted_answer", "pred", "prediction"];
const CORRECT_FIELDS = ["is_correct", "correct"];

type Rec = Record<string, unknown>;

export function detectShape(rec: Rec): Shape | undefined {
  if (Array.isArray(rec.segments)) return "segments";
  if (Array.isArray(rec.messages)) return "messages";
  if (Array.isArray(rec.conversations)) return "conversations";
  if (COMPLETION_FIELDS.some((f) => typeof rec[f] === "string")) return "prompt-completion";
  return undefined;
}

/** One parsed JSON record -> the trace to create. Throws LineError with what is wrong. */
export function recordToTrace(rec: Rec, ctx: ParseContext): { shape: Shape; body: CreateTraceBody } {
  const shape = detectShape(rec);
  if (!shape) {
    throw new LineError(
      `unrecognised record (keys: ${Object.keys(rec).slice(0, 12).join(", ") || "none"}); expected "segments" (hintlab), "messages" (OpenAI chat), "conversations" (ShareGPT) or a completion field (${COMPLETION_FIELDS.join("/")}) with a prompt or ${STATEMENT_FIELDS.join("/")}`,
    );
  }
  const body = shape === "segments" ? nativeTrace(rec, ctx) : outsideTrace(shape, rec, ctx);
  if (ctx.dataset) body.dataset = ctx.dataset;
  return { shape, body };
}

// --- native ---------------------------------------------------------------------------------

function nativeTrace(rec: Rec, ctx: ParseContext): CreateTraceBody {
  const input = {
    ...rec,
    id: rec.id ?? stableId(ctx.rawLine),
    events: rec.events ?? [],
    status: rec.status ?? "finished",
    config: rec.config ?? importConfig(str(rec, ["model"]) ?? "unknown", "raw", { type: "greedy" }, ctx.hintLibraryVersion),
  };
  const parsed = CreateTraceBodySchema.safeParse(input);
  if (!parsed.success) throw new LineError(`invalid trace: ${describeZodError(parsed.error)}`);
  const body = parsed.data;
  checkSpans(body);
  return body;
}

function checkSpans(body: CreateTraceBody) {
  const where = (kind: string, i: number, s: { segment: number; start: number; end: number }) => {
    const seg = body.segments[s.segment];
    if (!seg) throw new LineError(`${kind} ${i}: segment ${s.segment} does not exist (the trace has ${body.segments.length})`);
    if (s.start > s.end || s.end > seg.text.length) throw new LineError(`${kind} ${i}: span ${s.start}–${s.end} is outside segment ${s.segment} (length ${seg.text.length})`);
    return seg;
  };
  body.annotations?.forEach((a, i) => where("annotations", i, a));
  body.edits?.forEach((e, i) => {
    const seg = where("edits", i, e);
    if (seg.kind !== "model") throw new LineError(`edits ${i}: only model text can be edited; segment ${e.segment} is ${seg.kind}`);
    if (seg.text.slice(e.start, e.end) !== e.original) throw new LineError(`edits ${i}: "original" does not match the text of segment ${e.segment} at ${e.start}–${e.end}`);
  });
}

// --- outside shapes -------------------------------------------------------------------------

/** A stretch of assistant-side text; `trained` undefined when the source does not say. */
interface Run {
  text: string;
  trained?: boolean;
}

function outsideTrace(shape: Exclude<Shape, "segments">, rec: Rec, ctx: ParseContext): CreateTraceBody {
  const { prompt, statement, runs } = shape === "prompt-completion" ? promptCompletion(rec) : chat(shape, rec);
  if (!statement.trim()) throw new LineError("the problem statement is empty");
  const pieces: Piece[] = [];
  const toolRuns: ToolRun[] = [];
  for (const r of runs) {
    if (!r.text) continue;
    if (r.trained === true) {
      pieces.push({ kind: "model", text: r.text });
      continue;
    }
    const out = reconstruct(r.text, ctx.hints, r.trained === false);
    pieces.push(...out.pieces);
    toolRuns.push(...out.runs);
  }
  const segments: Segment[] = [{ id: "seg-0", kind: "prompt", text: prompt }];
  for (const p of pieces) {
    const last = segments[segments.length - 1]!;
    // Runs of one source chunk may end and start with model text: one model segment, as recorded live.
    if (p.kind === "model" && last.kind === "model") last.text += p.text;
    else segments.push({ id: `seg-${segments.length}`, ...p });
  }
  const completionChars = segments.reduce((n, s) => n + (s.kind === "prompt" ? 0 : s.text.length), 0);
  // Reconstructed log: the time of the original run is unknown (at: 0). The tool calls and a
  // stream end make the list's tool-call and token columns meaningful for imported traces.
  const events: TraceEvent[] = [
    ...toolRuns.map((r): TraceEvent => ({ type: "code-executed", at: 0, code: r.code, stdout: r.stdout, stderr: "", timedOut: false, truncated: false, durationMs: 0 })),
    { type: "stream-ended", at: 0, streamId: "imported", finishReason: "eos", chars: completionChars, durationMs: 0 },
  ];
  const hinted = segments.some((s) => s.kind === "hint");
  const policy: Policy = hinted ? { type: "manual", pauseAtTriggers: false, pauseAtEndOfThinking: false } : { type: "greedy" };
  const verdict = verdictOf(rec);
  const answer = str(rec, ANSWER_FIELDS, ctx.numberText);
  const dataset = str(rec, ["dataset"]);
  const body: CreateTraceBody = {
    id: str(rec, ["id"], ctx.numberText) ?? stableId(ctx.rawLine),
    problem: problemOf(rec, statement, ctx),
    config: importConfig(str(rec, ["model"]) ?? "unknown", templateOf(prompt), policy, ctx.hintLibraryVersion),
    segments,
    events,
    status: "finished",
    ...(answer !== undefined ? { answer } : {}),
    ...(verdict ? { verdict } : {}),
    ...(dataset ? { dataset } : {}),
  };
  const parsed = CreateTraceBodySchema.safeParse(body);
  if (!parsed.success) throw new LineError(`invalid trace: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

function promptCompletion(rec: Rec): { prompt: string; statement: string; runs: Run[] } {
  const completion = str(rec, COMPLETION_FIELDS)!;
  const statement = str(rec, STATEMENT_FIELDS) ?? str(rec, ["prompt"]);
  if (statement === undefined) throw new LineError(`missing field: a completion record needs "prompt" or one of ${STATEMENT_FIELDS.map((f) => `"${f}"`).join(", ")}`);
  const prompt = str(rec, ["prompt"]) ?? statement;
  const mask = charMask(rec.completion_char_mask, completion);
  return { prompt, statement, runs: mask ?? [{ text: completion }] };
}

/** hintlab's own trl mask, when it is well-formed: runs in code points, contiguous, covering the completion. */
function charMask(mask: unknown, completion: string): Run[] | undefined {
  if (!Array.isArray(mask)) return undefined;
  const cps = Array.from(completion);
  let at = 0;
  const runs: Run[] = [];
  for (const m of mask) {
    if (!Array.isArray(m) || m.length !== 3 || m[0] !== at || typeof m[1] !== "number" || m[1] < at || m[1] > cps.length || (m[2] !== 0 && m[2] !== 1)) return undefined;
    runs.push({ text: cps.slice(at, m[1]).join(""), trained: m[2] === 1 });
    at = m[1];
  }
  return at === cps.length ? runs : undefined;
}

const ROLE: Record<string, "system" | "user" | "assistant" | "tool"> = {
  system: "system",
  user: "user",
  human: "user",
  assistant: "assistant",
  gpt: "assistant",
  model: "assistant",
  tool: "tool",
  function: "tool",
  ipython: "tool",
  observation: "tool",
};

function chat(shape: "messages" | "conversations", rec: Rec): { prompt: string; statement: string; runs: Run[] } {
  const list = rec[shape] as unknown[];
  const field = shape === "messages" ? "messages" : "conversations";
  let system: string | undefined = typeof rec.system === "string" ? rec.system : undefined;
  let statement: string | undefined;
  const runs: Run[] = [];
  list.forEach((m, i) => {
    if (!m || typeof m !== "object") throw new LineError(`${field}[${i}] is not an object`);
    const msg = m as Rec;
    const roleName = shape === "messages" ? msg.role : (msg.from ?? msg.role);
    const role = typeof roleName === "string" ? ROLE[roleName] : undefined;
    if (!role) throw new LineError(`${field}[${i}]: unknown role ${JSON.stringify(roleName)} (expected system, user, assistant or tool)`);
    const text = contentText(shape === "messages" ? msg.content : (msg.value ?? msg.content), `${field}[${i}]`);
    if (statement === undefined) {
      if (role === "system") system = system === undefined ? text : `${system}\n\n${text}`;
      else if (role === "user") statement = text;
      else throw new LineError(`${field}[${i}]: a ${role} turn before the first user turn`);
      return;
    }
    if (role === "assistant") runs.push({ text, ...(msg.weight === 0 ? { trained: false } : msg.weight === 1 ? { trained: true } : {}) });
    // Tool results, and any later user turn, are text the model did not write.
    else runs.push({ text, trained: false });
  });
  if (statement === undefined) throw new LineError(`missing field: ${field} has no user turn (the problem)`);
  return { prompt: system === undefined ? statement : `${system}\n\n${statement}`, statement, runs };
}

function contentText(content: unknown, where: string): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((p, k) => {
        if (p && typeof p === "object" && (p as Rec).type === "text" && typeof (p as Rec).text === "string") return (p as Rec).text as string;
        throw new LineError(`${where}.content[${k}]: only text parts can be imported`);
      })
      .join("");
  }
  throw new LineError(`missing field: ${where} has no text content`);
}

// --- fields ---------------------------------------------------------------------------------

/** The first of `fields` that is a string, or a number as the text it was written as. */
function str(rec: Rec, fields: readonly string[], numberText?: ParseContext["numberText"]): string | undefined {
  for (const f of fields) {
    const v = rec[f];
    if (typeof v === "string") return v;
    if (typeof v === "number") {
      const text = numberText?.(rec, f) ?? (Number.isFinite(v) ? String(v) : undefined);
      if (text !== undefined) return text;
    }
  }
  return undefined;
}

function problemOf(rec: Rec, statement: string, ctx: ParseContext): Problem {
  const kind = ProblemKindSchema.safeParse(rec.kind);
  const gold = str(rec, GOLD_FIELDS, ctx.numberText);
  const source = str(rec, ["source"]);
  return {
    id: str(rec, ["problem_id", "problemId", "unique_id"], ctx.numberText) ?? `p-${hash(statement)}`,
    kind: kind.success ? kind.data : "math",
    statement,
    ...(gold !== undefined ? { gold } : {}),
    ...(source !== undefined ? { source } : {}),
  };
}

function verdictOf(rec: Rec): CreateTraceBody["verdict"] {
  const v = VerdictSchema.safeParse(rec.verdict);
  if (v.success) return v.data;
  for (const f of CORRECT_FIELDS) if (typeof rec[f] === "boolean") return rec[f] ? "correct" : "incorrect";
  return undefined;
}

/** The template whose markers the prompt carries; a prompt written by hand is `raw`. */
function templateOf(prompt: string): TemplateId {
  if (prompt.includes("<｜User｜>") || prompt.includes("<｜Assistant｜>")) return "deepseek-r1";
  if (prompt.includes("<|im_start|>")) return "qwq";
  return "raw";
}

/** How an imported trace was produced is unknown; this records what the file says and marks the rest as defaults. */
export function importConfig(model: string, template: TemplateId, policy: Policy, hintLibraryVersion: string): TraceConfig {
  return {
    provider: "openai-completions",
    model,
    template,
    sampling: { maxTokens: 32768 },
    triggers: [],
    policy,
    maxToolCalls: 6,
    toolTimeoutMs: 10_000,
    maxOutputChars: 8_000,
    hintLibraryVersion,
    policySeed: 0,
  };
}

/** Id of a record that has none: a hash of its line, so importing the same file twice adds nothing twice. */
export function stableId(line: string): string {
  return `imp-${hash(line)}`;
}

/** Two FNV-1a 32-bit hashes with different bases: 16 hex digits, stable across runs and platforms. */
function hash(s: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 13);
  }
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}
