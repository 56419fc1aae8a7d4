"use client";

import { memo, useRef } from "react";
import type { ExecutionResult, Segment, TraceEvent } from "@/lib/protocol";
import { advanceBlocks, initialParse, type Block, type BlockParse } from "./blocks";
import { highlightTriggers } from "./highlight";

/** Parse only the new text of a growing segment (see blocks.ts). */
function useIncrementalBlocks(segment: Segment, startsInCode: boolean): BlockParse {
  const cache = useRef<{ id: string; length: number; parse: BlockParse } | null>(null);
  const c = cache.current;
  let base = c && c.id === segment.id && segment.text.length >= c.length ? c.parse : initialParse(startsInCode);
  base = advanceBlocks(base, segment.text);
  cache.current = { id: segment.id, length: segment.text.length, parse: base };
  return base;
}

// Finished paragraphs after the first are block elements (see FinishedBlocks for why): they start
// at a line start and end with a line break, so they look the same as inline text. The first
// block and the live tail stay inline, so text that continues across segments (an edit in the
// middle of a sentence) still flows as one line.
// data-block-start: offset of the block in its segment, so a text selection maps back to
// (segment, offset) for annotations, edits and forks (see components/annotate/selection.ts).
const TextBlock = memo(function TextBlock({ text, triggers, start, isBlock }: { text: string; triggers: RegExp | null; start: number; isBlock?: boolean }) {
  const Tag = isBlock ? "div" : "span";
  return (
    <Tag className="block-text" data-block-start={start}>
      {highlightTriggers(text, triggers)}
    </Tag>
  );
});

const CodeBlock = memo(function CodeBlock({ code, live, start }: { code: string; live?: boolean; start: number }) {
  return (
    <pre className={live ? "code-block live" : "code-block"} data-testid="code-block" data-block-start={start}>
      <code>{code}</code>
    </pre>
  );
});

// The finished blocks after the first sit in one contained box: its layout and paint are cached as
// a unit, so a streaming chunk does not re-lay out or repaint every finished paragraph (with them
// inline, a chunk's cost grew with the length of the trace; see bench/streaming.mjs).
const FINISHED_CONTAINMENT = { contain: "content" } as const;

const FinishedBlocks = memo(function FinishedBlocks({ blocks, triggers }: { blocks: Block[]; triggers: RegExp | null }) {
  const render = (b: Block, i: number) =>
    b.kind === "code" ? (
      <CodeBlock key={b.start} code={b.text} start={b.start} />
    ) : (
      <TextBlock key={b.start} text={b.text} triggers={triggers} start={b.start} isBlock={i > 0} />
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
}: {
  segment: Segment;
  index: number;
  startsInCode: boolean;
  triggers: RegExp | null;
}) {
  const parse = useIncrementalBlocks(segment, startsInCode);
  const tail = segment.text.slice(parse.end);
  return (
    <div className={`seg seg-${segment.kind}`} data-kind={segment.kind} data-seg-index={index} title={segment.kind === "edit" ? `edited; original: ${segment.original ?? ""}` : undefined}>
      <FinishedBlocks blocks={parse.blocks} triggers={triggers} />
      {parse.inCode ? (
        <CodeBlock code={segment.text.slice(parse.codeStart)} live start={parse.codeStart} />
      ) : (
        tail && <TextBlock text={tail} triggers={triggers} start={parse.end} />
      )}
    </div>
  );
});

export const HintSegmentView = memo(function HintSegmentView({ segment, index }: { segment: Segment; index: number }) {
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
      <span className="block-text">{text}</span>
    </div>
  );
});

/** The body of a ```output block, without its fences. */
export function toolOutputBody(text: string): string {
  return text.replace(/^(```\n|\n)?```output\n/, "").replace(/\n?```\n?$/, "");
}

export const ToolOutputView = memo(function ToolOutputView({ segment, execution, index }: { segment: Segment; execution?: TraceEvent; index: number }) {
  const ex = execution?.type === "code-executed" ? (execution as TraceEvent & ExecutionResult) : undefined;
  const status = ex ? (ex.timedOut ? "timed out" : ex.error ? "error" : "ok") : "skipped";
  return (
    <div className={`seg seg-tool status-${status.replace(" ", "-")}`} data-kind="tool_output" data-seg-index={index}>
      <span className="seg-label">
        output · {status}
        {ex ? ` · ${Math.round(ex.durationMs)} ms` : ""}
        {ex?.truncated ? " · truncated" : ""}
      </span>
      <pre className="code-output" data-testid="code-output">
        {toolOutputBody(segment.text)}
      </pre>
    </div>
  );
});

export const PromptView = memo(function PromptView({ segment, index }: { segment: Segment; index: number }) {
  return (
    <details className="seg seg-prompt" data-kind="prompt" data-seg-index={index}>
      <summary>Prompt ({segment.text.length.toLocaleString()} characters)</summary>
      <pre>{segment.text}</pre>
    </details>
  );
});
