"use client";

import { lazy, Suspense, type ReactNode, type Ref } from "react";
import { highlightTriggers } from "@/components/trace/highlight";
import type { MarkdownBlockProps } from "./markdown";

/**
 * The rendered view's components, loaded on first use. The Markdown, math and highlighting
 * stack (remark, rehype, KaTeX, highlight.js: over half a megabyte of script) would otherwise be
 * evaluated with the page, one long task before any text shows. Until it has loaded, each block
 * shows its exact text with the same offset tags, so selections and find work throughout.
 */
const LazyMarkdownBlock = lazy(() => import("./markdown").then((m) => ({ default: m.MarkdownBlock })));
const LazyMarkdownText = lazy(() => import("./markdown").then((m) => ({ default: m.MarkdownText })));
const LazyPythonCode = lazy(() => import("./python-code").then((m) => ({ default: m.PythonCode })));

/** A block's exact text, tagged one for one with its offsets: what shows until Markdown renders. */
export function ExactText({ text, base = 0, triggers = null, ref }: MarkdownBlockProps & { ref?: Ref<HTMLSpanElement> }): ReactNode {
  return (
    <span ref={ref} className="md-pending" data-o={base} data-e={base + text.length} data-lin="">
      {highlightTriggers(text, triggers)}
    </span>
  );
}

export function MarkdownBlock(props: MarkdownBlockProps): ReactNode {
  return (
    <Suspense fallback={<ExactText {...props} />}>
      <LazyMarkdownBlock {...props} />
    </Suspense>
  );
}

export function MarkdownText(props: { text: string; className?: string; inline?: boolean }): ReactNode {
  const Tag = props.inline ? "span" : "div";
  return (
    <Suspense fallback={<Tag className={props.className ? `md md-pending ${props.className}` : "md md-pending"}>{props.text}</Tag>}>
      <LazyMarkdownText {...props} />
    </Suspense>
  );
}

export function PythonCode({ code }: { code: string }): ReactNode {
  return (
    <Suspense fallback={code}>
      <LazyPythonCode code={code} />
    </Suspense>
  );
}
