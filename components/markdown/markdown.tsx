"use client";

import { memo, useMemo, type ReactNode } from "react";
import Markdown, { type Components } from "react-markdown";
import "katex/dist/katex.min.css";
import "./markdown.css";
import { prepareMathSource } from "./math-source";
import { REMARK, rehypeFor } from "./pipeline";

/**
 * Model text, hints, problems and answers as Markdown with math (remark-math + KaTeX), one block
 * at a time: the trace view splits a segment into paragraphs (components/trace/blocks.ts) and
 * memoises each, so a finished block is parsed once and only the streaming tail re-renders.
 *
 * Safety (model text is hostile, DESIGN.md "Trust boundaries"): no raw HTML is ever parsed (no
 * rehype-raw: `<script>`, `<iframe srcdoc>` and event handlers stay text); rehype-sanitize with
 * GitHub's schema still runs first on what Markdown produced, as defence in depth — our own
 * plugins are added after it, never instead of it (replacing the plugin list and with it the
 * sanitizer is the known hole of such renderers); links go through react-markdown's URL filter
 * (no `javascript:`), open in a new tab without a referrer; images are never loaded (an external
 * image would send the reader's context to another host) — they show as their address; KaTeX
 * runs with `trust: false`, so `\href`, `\url` and `\htmlData` render as text.
 */

const COMPONENTS: Components = {
  a: ({ href, children }) => (
    <a href={href} target="_blank" rel="noopener noreferrer nofollow">
      {children}
    </a>
  ),
  // Never fetched: the address is shown instead (see the header).
  img: ({ src, alt }) => (
    <span className="md-image" title="images in model text are not loaded">
      [image{alt ? `: ${alt}` : ""}
      {typeof src === "string" && src ? ` — ${src}` : ""}]
    </span>
  ),
};

export interface MarkdownBlockProps {
  /** The block's source text, exactly as in the trace. */
  text: string;
  /** Offset of the block in its segment (the tags dom-offsets.ts reads are segment offsets). */
  base?: number;
  /** Trigger words to mark, or null. */
  triggers?: RegExp | null;
}

/** One block of Markdown with its source offsets tagged (see source-offsets.ts). */
export const MarkdownBlock = memo(function MarkdownBlock({ text, base = 0, triggers = null }: MarkdownBlockProps) {
  const prepared = useMemo(() => prepareMathSource(text), [text]);
  const rehype = useMemo(() => rehypeFor({ prepared, original: text, base, triggers }), [prepared, text, base, triggers]);
  return (
    <Markdown remarkPlugins={REMARK} rehypePlugins={rehype} components={COMPONENTS}>
      {prepared}
    </Markdown>
  );
});

/** Markdown for short texts outside the trace view (problem statements, answers, hint previews). */
export function MarkdownText({ text, className, inline }: { text: string; className?: string; inline?: boolean }): ReactNode {
  const Tag = inline ? "span" : "div";
  return (
    <Tag className={className ? `md ${className}` : "md"}>
      <MarkdownBlock text={text} />
    </Tag>
  );
}
