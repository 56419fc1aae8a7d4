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

const TextBlock = memo(function TextBlock({ text, triggers }: { text: string; triggers: RegExp | null }) {
  return <span className="block-text">{highlightTriggers(text, triggers)}</span>;
});

const CodeBlock = memo(function CodeBlock({ code, live }: { code: string; live?: boolean }) {
  return (
    <pre className={live ? "code-block live" : "code-block"} data-testid="code-block">
      <span className="code-label">python</span>
      <code>{code}</code>
    </pre>
  );
});

const FinishedBlocks = memo(function FinishedBlocks({ blocks, triggers }: { blocks: Block[]; triggers: RegExp | null }) {
  return (
    <>
      {blocks.map((b) =>
        b.kind === "code" ? <CodeBlock key={b.start} code={b.text} /> : <TextBlock key={b.start} text={b.text} triggers={triggers} />,
      )}
    </>
  );
});

export const ModelSegmentView = memo(function ModelSegmentView({
  segment,
  startsInCode,
  triggers,
}: {
  segment: Segment;
  startsInCode: boolean;
  triggers: RegExp | null;
}) {
  const parse = useIncrementalBlocks(segment, startsInCode);
  const tail = segment.text.slice(parse.end);
  return (
    <div className="seg seg-model" data-kind="model">
      <FinishedBlocks blocks={parse.blocks} triggers={triggers} />
      {parse.inCode ? (
        <CodeBlock code={segment.text.slice(parse.codeStart)} live />
      ) : (
        tail && <TextBlock text={tail} triggers={triggers} />
      )}
    </div>
  );
});

export const HintSegmentView = memo(function HintSegmentView({ segment }: { segment: Segment }) {
  const text = segment.text.replace(/```(python|py)[ \t]*\n$/, "");
  return (
    <div className="seg seg-hint" data-kind="hint" data-testid="hint-segment">
      <span className="seg-label">
        hint · {segment.hintId} ·{" "}
        {segment.reason === "trigger" ? `at "${segment.trigger}"` : segment.reason === "resume" ? "at a resume/fork point" : "before end of thinking"}
      </span>
      <span className="block-text">{text}</span>
    </div>
  );
});

/** The body of a ```output block, without its fences. */
export function toolOutputBody(text: string): string {
  return text.replace(/^(```\n|\n)?```output\n/, "").replace(/\n?```\n?$/, "");
}

export const ToolOutputView = memo(function ToolOutputView({ segment, execution }: { segment: Segment; execution?: TraceEvent }) {
  const ex = execution?.type === "code-executed" ? (execution as TraceEvent & ExecutionResult) : undefined;
  const status = ex ? (ex.timedOut ? "timed out" : ex.error ? "error" : "ok") : "skipped";
  return (
    <div className={`seg seg-tool status-${status.replace(" ", "-")}`} data-kind="tool_output">
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

export const PromptView = memo(function PromptView({ segment }: { segment: Segment }) {
  return (
    <details className="seg seg-prompt" data-kind="prompt">
      <summary>Prompt ({segment.text.length.toLocaleString()} characters)</summary>
      <pre>{segment.text}</pre>
    </details>
  );
});
