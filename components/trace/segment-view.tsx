"use client";

import { memo, startTransition, useEffect, useRef, useState, type ReactNode } from "react";
import type { ExecutionResult, Segment, TraceEvent } from "@/lib/protocol";
import { advanceBlocks, initialParse, type Block, type BlockParse } from "./blocks";
import { highlightTriggers } from "./highlight";
import type { TokenLogprob } from "./logprob-types";
import { renderTokens, type TokenSlice } from "./token-text";
import { tokenRange } from "./token-probs";
import { LazyMarkdown } from "@/components/markdown/lazy-markdown";
import { MarkdownBlock } from "@/components/markdown/deferred";
import { PythonCode } from "@/components/markdown/deferred";
import type { ReadingView } from "./reading-view";

/** Parse only the new text of a growing segment (see blocks.ts). */
function useIncrementalBlocks(segment: Segment, startsInCode: boolean): BlockParse {
  const cache = useRef<{ id: string; length: number; parse: BlockParse } | null>(null);
  const c = cache.current;
  let base = c && c.id === segment.id && segment.text.length >= c.length ? c.parse : initialParse(startsInCode);
  base = advanceBlocks(base, segment.text);
  cache.current = { id: segment.id, length: segment.text.length, parse: base };
  return base;
}

/** Blocks mounted at once when a long segment appears (a stored trace opening), then per task. */
const FIRST_BLOCKS = 40;
const MORE_BLOCKS = 80;

/**
 * How many of a segment's finished blocks to mount. A stored 160k-character trace has a thousand
 * paragraphs; mounting them in one go is one long task (render, then layout of all its text), so
 * the first screenfuls mount at once and the rest follow a batch per task. Once caught up, every
 * block is mounted as it finishes (streaming), with no batching.
 */
function useProgressiveCount(total: number): number {
  // Infinity: caught up, from now on every block.
  const [count, setCount] = useState(() => (total <= FIRST_BLOCKS ? Infinity : FIRST_BLOCKS));
  // External system: the task queue (one batch per macrotask, so the page paints in between).
  useEffect(() => {
    if (count === Infinity) return;
    if (count >= total) {
      setCount(Infinity);
      return;
    }
    // A transition: React renders the batch in slices and yields to input and paint between them.
    const t = setTimeout(() => startTransition(() => setCount((c) => (c === Infinity ? c : c + MORE_BLOCKS))), 0);
    return () => clearTimeout(t);
  }, [count, total]);
  return Math.min(count, total);
}

/**
 * The tokens of each finished block, as slices whose identity stays the same once the tokens
 * have gone past the block's end, so memoized blocks skip re-rendering while the segment streams
 * (only the tail's slice is new per chunk).
 */
const NO_SLICES: (TokenSlice | undefined)[] = [];

function useTokenSlices(segmentId: string, blocks: readonly Block[], tokens: readonly TokenLogprob[] | undefined): (TokenSlice | undefined)[] {
  const cache = useRef<{ id: string; tokens: readonly TokenLogprob[]; final: Map<number, TokenSlice>; out: (TokenSlice | undefined)[] } | null>(null);
  // Probabilities off: the same empty list every time, so FinishedBlocks stays memoized as before.
  if (!tokens) return NO_SLICES;
  let c = cache.current;
  // Stored tokens of another segment, or a list that was replaced rather than grown: start over.
  if (!c || c.id !== segmentId || c.tokens.length > tokens.length || (c.tokens.length > 0 && c.tokens[0] !== tokens[0])) {
    c = { id: segmentId, tokens, final: new Map(), out: NO_SLICES };
  }
  c.tokens = tokens;
  cache.current = c;
  const last = tokens[tokens.length - 1];
  const covered = last ? last.start + last.text.length : 0;
  const finals = c.final;
  const out = blocks.map((b) => {
    const hit = finals.get(b.start);
    if (hit) return hit;
    const end = b.start + b.text.length;
    const [lo, hi] = tokenRange(tokens, b.start, end);
    const slice = { tokens: tokens.slice(lo, hi), base: lo };
    if (covered >= end) finals.set(b.start, slice);
    return slice;
  });
  // Every block's slice unchanged (all final): keep the list's identity too.
  const prev = c.out;
  if (prev.length === out.length && out.every((x, i) => x === prev[i])) return prev;
  c.out = out;
  return out;
}

function tailSlice(tokens: readonly TokenLogprob[] | undefined, start: number, end: number): TokenSlice | undefined {
  if (!tokens) return undefined;
  const [lo, hi] = tokenRange(tokens, start, end);
  return { tokens: tokens.slice(lo, hi), base: lo };
}

// Finished paragraphs after the first are block elements (see FinishedBlocks for why): they start
// at a line start and end with a line break, so they look the same as inline text. The first
// block and the live tail stay inline, so text that continues across segments (an edit in the
// middle of a sentence) still flows as one line.
// data-block-start: offset of the block in its segment, so a text selection maps back to
// (segment, offset) for annotations, edits and forks (see components/annotate/selection.ts).
// slice: the block's tokens when the view colours by probability (see token-text.tsx); colouring
// is of exact characters, so a coloured block is always shown exact.
// data-o/data-e/data-lin: the offsets components/markdown/dom-offsets.ts maps selections, find
// matches and highlights with, in both views (the rendered view tags inside the Markdown instead).
const TextBlock = memo(function TextBlock({
  text,
  triggers,
  start,
  isBlock,
  slice,
  view,
  live,
}: {
  text: string;
  triggers: RegExp | null;
  start: number;
  isBlock?: boolean;
  slice?: TokenSlice;
  view: ReadingView;
  live?: boolean;
}) {
  if (view === "rendered" && !slice) {
    return (
      <div className="block-text md" data-block-start={start}>
        <LazyMarkdown text={text} base={start} triggers={triggers} eager={live} />
      </div>
    );
  }
  const Tag = isBlock ? "div" : "span";
  return (
    <Tag className="block-text" data-block-start={start} data-o={start} data-e={start + text.length} data-lin="">
      {slice ? renderTokens(text, start, slice, triggers) : highlightTriggers(text, triggers)}
    </Tag>
  );
});

const CodeBlock = memo(function CodeBlock({ code, live, start, slice, view }: { code: string; live?: boolean; start: number; slice?: TokenSlice; view: ReadingView }) {
  return (
    <pre className={live ? "code-block live" : "code-block"} data-testid="code-block" data-block-start={start}>
      <code data-o={start} data-e={start + code.length} data-lin="">
        {slice ? renderTokens(code, start, slice, null) : view === "rendered" && !live ? <PythonCode code={code} /> : code}
      </code>
    </pre>
  );
});

// The finished blocks after the first sit in one contained box: its layout and paint are cached as
// a unit, so a streaming chunk does not re-lay out or repaint every finished paragraph (with them
// inline, a chunk's cost grew with the length of the trace; see bench/streaming.mjs).
const FINISHED_CONTAINMENT = { contain: "content" } as const;

const FinishedBlocks = memo(function FinishedBlocks({ blocks, triggers, slices, view }: { blocks: Block[]; triggers: RegExp | null; slices: (TokenSlice | undefined)[]; view: ReadingView }) {
  const render = (b: Block, i: number) =>
    b.kind === "code" ? (
      <CodeBlock key={b.start} code={b.text} start={b.start} slice={slices[i]} view={view} />
    ) : (
      <TextBlock key={b.start} text={b.text} triggers={triggers} start={b.start} isBlock={i > 0} slice={slices[i]} view={view} />
    );
  const [first, ...rest] = blocks;
  return (
    <>
      {first && render(first, 0)}
      {rest.length > 0 && <div style={FINISHED_CONTAINMENT}>{rest.map((b, i) => render(b, i + 1))}</div>}
    </>
  );
});

export const ModelSegmentView = memo(function ModelSegmentView({
  segment,
  index,
  startsInCode,
  triggers,
  tokens,
  view,
}: {
  segment: Segment;
  index: number;
  startsInCode: boolean;
  triggers: RegExp | null;
  view: ReadingView;
  /** The segment's tokens, only while the view colours by probability. */
  tokens?: readonly TokenLogprob[];
}) {
  const parse = useIncrementalBlocks(segment, startsInCode);
  const slices = useTokenSlices(segment.id, parse.blocks, tokens);
  const mounted = useProgressiveCount(parse.blocks.length);
  // Caught up: the parse's own list (its identity changes only when a block finishes, so the
  // memoised FinishedBlocks skips streaming chunks); else the first `mounted` blocks.
  const blocks = mounted >= parse.blocks.length ? parse.blocks : parse.blocks.slice(0, mounted);
  const tail = segment.text.slice(parse.end);
  const len = segment.text.length;
  return (
    <div className={`seg seg-${segment.kind}`} data-kind={segment.kind} data-seg-index={index} title={segment.kind === "edit" ? `edited${segment.author ? ` by ${segment.author}` : ""}; original: ${segment.original ?? ""}` : undefined}>
      <FinishedBlocks blocks={blocks} triggers={triggers} slices={slices} view={view} />
      {blocks !== parse.blocks ? null : parse.inCode ? (
        <CodeBlock code={segment.text.slice(parse.codeStart)} live start={parse.codeStart} slice={tailSlice(tokens, parse.codeStart, len)} view={view} />
      ) : (
        tail && <TextBlock text={tail} triggers={triggers} start={parse.end} slice={tailSlice(tokens, parse.end, len)} view={view} live />
      )}
    </div>
  );
});

export const HintSegmentView = memo(function HintSegmentView({ segment, index, view }: { segment: Segment; index: number; view: ReadingView }) {
  const text = segment.text.replace(/```(python|py)[ \t]*\n$/, "");
  return (
    <div className="seg seg-hint" data-kind="hint" data-testid="hint-segment" data-seg-index={index}>
      <span className="seg-label">
        hint · {segment.hintId} ·{" "}
        {segment.reason === "trigger"
          ? `at "${segment.trigger}"`
          : segment.reason === "resume"
            ? "at a resume/fork point"
            : segment.reason === "thinking-budget"
              ? "end of thinking forced at the thinking budget"
              : "before end of thinking"}
      </span>
      {view === "rendered" ? (
        <div className="block-text md">
          <MarkdownBlock text={text} />
        </div>
      ) : (
        <span className="block-text" data-o={0} data-e={text.length} data-lin="">
          {text}
        </span>
      )}
    </div>
  );
});

const OUTPUT_OPEN = /^(```\n|\n)?```output\n/;

/** The body of a ```output block, without its fences. */
export function toolOutputBody(text: string): string {
  return text.replace(OUTPUT_OPEN, "").replace(/\n?```\n?$/, "");
}

export const ToolOutputView = memo(function ToolOutputView({ segment, execution, index, aside }: { segment: Segment; execution?: TraceEvent; index: number; aside?: ReactNode }) {
  const ex = execution?.type === "code-executed" ? (execution as TraceEvent & ExecutionResult) : undefined;
  const status = ex ? (ex.timedOut ? "timed out" : ex.error ? "error" : "ok") : "skipped";
  const body = toolOutputBody(segment.text);
  const bodyStart = OUTPUT_OPEN.exec(segment.text)?.[0].length ?? 0;
  return (
    <div className={`seg seg-tool status-${status.replace(" ", "-")}`} data-kind="tool_output" data-seg-index={index}>
      <span className="seg-label">
        output · {status}
        {ex ? ` · ${Math.round(ex.durationMs)} ms` : ""}
        {ex?.truncated ? " · truncated" : ""}
      </span>
      {/* Output is what Python printed: a code block in both views (in Markdown it is a fenced block). */}
      {aside ? (
        // Beside something else (a replay's re-run): say which output is the recorded one.
        <div className="tool-compare">
          <figure className="tool-recorded" data-testid="recorded-output">
            <figcaption className="small muted">recorded</figcaption>
            <pre className="code-output" data-testid="code-output" data-o={bodyStart} data-e={bodyStart + body.length} data-lin="">
              {body}
            </pre>
          </figure>
          {aside}
        </div>
      ) : (
        <pre className="code-output" data-testid="code-output" data-o={bodyStart} data-e={bodyStart + body.length} data-lin="">
          {body}
        </pre>
      )}
    </div>
  );
});

export const PromptView = memo(function PromptView({ segment, index }: { segment: Segment; index: number }) {
  return (
    <details className="seg seg-prompt" data-kind="prompt" data-seg-index={index}>
      <summary>Prompt ({segment.text.length.toLocaleString()} characters)</summary>
      <pre data-o={0} data-e={segment.text.length} data-lin="">
        {segment.text}
      </pre>
    </details>
  );
});
